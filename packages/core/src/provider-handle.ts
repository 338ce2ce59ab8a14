/**
 * The manager's provider: given at once or resolved lazily on first use (under
 * the call deadline, retried after a failure), checked against the contract,
 * and its capabilities taken once, when it is received.
 */
import { capabilitiesOf, type ResolvedCapabilities, type SecretProvider } from "./contract.js";
import { checkProviderShape } from "./contract-check.js";
import type { Deadline } from "./deadline.js";

export class ProviderHandle {
  readonly #source: SecretProvider | (() => Promise<SecretProvider>);
  #provider: SecretProvider | undefined;
  /** Taken once, when the provider is received: later changes to the provider object are ignored. */
  #capabilities: Readonly<ResolvedCapabilities> | undefined;
  #resolving: Promise<SecretProvider> | undefined;
  #name: string;

  constructor(source: SecretProvider | (() => Promise<SecretProvider>), providerName: string | undefined) {
    this.#source = source;
    if (typeof source !== "function") {
      checkProviderShape(source, source?.name ?? "provider");
      this.#provider = source;
      this.#capabilities = capabilitiesOf(source);
    }
    this.#name = this.#provider?.name ?? providerName ?? "unknown";
  }

  /** The provider's short name, or the name given for it until it is resolved. */
  get name(): string {
    return this.#name;
  }

  /** The provider, if it is resolved. */
  get current(): SecretProvider | undefined {
    return this.#provider;
  }

  /**
   * The provider, resolving it first if it was given lazily. Resolving is bounded
   * by the call deadline: past it this rejects with `SecretTimeoutError`, and the
   * next call tries again (a resolution that completes late is kept if none other
   * succeeded meanwhile, else closed).
   */
  async resolve(deadline: Deadline): Promise<SecretProvider> {
    if (this.#provider) return this.#provider;
    if (this.#resolving === undefined) {
      const source = this.#source as () => Promise<SecretProvider>;
      const attempt = (async () => {
        const provider = await source();
        checkProviderShape(provider, this.#name);
        if (this.#provider !== undefined && this.#provider !== provider) {
          await provider.close?.().catch(() => undefined);
          return this.#provider;
        }
        this.#provider = provider;
        this.#capabilities = capabilitiesOf(provider);
        this.#name = provider.name;
        return provider;
      })();
      attempt.catch(() => undefined);
      this.#resolving = attempt;
    }
    const resolving = this.#resolving;
    try {
      return await deadline.run("connect", "", () => resolving);
    } catch (error) {
      if (this.#resolving === resolving) this.#resolving = undefined;
      throw error;
    }
  }

  /** The snapshot of the resolved provider's capabilities (call after `resolve`). */
  capabilities(): Readonly<ResolvedCapabilities> {
    if (this.#capabilities === undefined) throw new Error("the provider is not resolved yet");
    return this.#capabilities;
  }
}
