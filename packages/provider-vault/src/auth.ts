/**
 * Token handling: the token in a private field, logins (AppRole, Kubernetes,
 * a token file), renewal before expiry, and telling a dead token from a policy
 * that refuses the request; every request is sent through here with the token.
 */
import path from "node:path";
import {
  AccessDeniedError,
  AuthenticationError,
  type Logger,
  ProviderNotConfiguredError,
  registerSecretValue,
  timerDelay,
} from "@org/secrets-core/provider";
import type { ResolvedAuth } from "./config-auth.js";
import { DEFAULT_KUBERNETES_JWT_FILE } from "./options.js";
import { splitPath } from "./paths.js";
import { DISPLAY_NAME, PROVIDER, type VaultRequest, type VaultResponse } from "./request.js";
import { MAX_CREDENTIAL_FILE_BYTES, readSettingFile } from "./setting-file.js";
import type { VaultTransport } from "./transport.js";

export interface AuthenticatorOptions {
  auth: ResolvedAuth;
  transport: VaultTransport;
  logger: Logger;
  /** Renew renewable tokens before they expire. */
  renew: boolean;
  cwd: string;
}

/** The caller's signal and deadline, carried into the requests a login or token check makes for it. */
type Bounds = Pick<VaultRequest, "signal" | "deadline">;

/** Renew when two thirds of the token's time to live have passed. */
const RENEW_AT = 2 / 3;
const MIN_RENEW_DELAY_MS = 250;
/**
 * A token given as such is looked up (to learn whether it is renewable and its
 * TTL) only once the provider has been in use this long: a short-lived process
 * (a CLI command, a job) finishes first and never pays for the request, and a
 * long-lived one learns the TTL in time to renew any token that lives longer.
 */
export const TOKEN_LOOKUP_DELAY_MS = 1000;

/** Batch tokens (`b.`, `hvb.`) can be neither renewed nor looked up usefully: no lookup for them. */
function isBatchToken(token: string): boolean {
  return /^(hvb|b)\./.test(token);
}

/**
 * Holds the Vault token in a private field and keeps it working: logs in with
 * AppRole or Kubernetes (once, shared by concurrent callers), renews renewable
 * tokens before they expire with an `unref()`ed timer, and when Vault answers
 * 403 finds out whether the token died (then logs in again, once) or the
 * policy simply does not allow the request.
 */
export class VaultAuthenticator {
  readonly #auth: ResolvedAuth;
  readonly #transport: VaultTransport;
  readonly #logger: Logger;
  readonly #renew: boolean;
  readonly #cwd: string;
  #token: string | undefined;
  #expiresAt: number | undefined;
  #acquiring: Promise<string | undefined> | undefined;
  #recovering: { token: string | undefined; promise: Promise<boolean> } | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The deferred lookup of a token given as such, until it runs or is no longer needed. */
  #lookupTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Credentials read so far, scrubbed from any text Vault sends back. */
  readonly #credentials = new Set<string>();

  constructor(options: AuthenticatorOptions) {
    this.#auth = options.auth;
    this.#transport = options.transport;
    this.#logger = options.logger;
    this.#renew = options.renew;
    this.#cwd = options.cwd;
    if (this.#auth.method === "token" && this.#auth.token) this.#remember(this.#auth.token);
    if (this.#auth.method === "approle") {
      if (this.#auth.roleId) this.#remember(this.#auth.roleId);
      if (this.#auth.secretId) this.#remember(this.#auth.secretId);
    }
  }

  get method(): ResolvedAuth["method"] {
    return this.#auth.method;
  }

  /** Seconds the current token has left, when known. */
  get ttlSeconds(): number | undefined {
    return this.#expiresAt === undefined
      ? undefined
      : Math.max(0, Math.round((this.#expiresAt - Date.now()) / 1000));
  }

  credentials(): readonly string[] {
    return [...this.#credentials];
  }

  /** The token to send, logging in first when needed. `undefined` when the user's client carries its own. */
  async token(bounds: Bounds = {}): Promise<string | undefined> {
    if (this.#auth.method === "client") return undefined;
    if (this.#token !== undefined) return this.#token;
    this.#acquiring ??= this.#acquire(bounds).finally(() => {
      this.#acquiring = undefined;
    });
    return this.#acquiring;
  }

  /**
   * Send `request` with the current token. On 403, ask Vault whether the token
   * still works: if it does not, get a new one (log in again, re-read the token
   * file) and send once more; if it does, the policy denies the request.
   */
  async send(request: VaultRequest): Promise<VaultResponse> {
    const bounds: Bounds = { signal: request.signal, deadline: request.deadline };
    const token = await this.token(bounds);
    try {
      return await this.#transport.send(request, token);
    } catch (error) {
      if (!(error instanceof AccessDeniedError) || this.#auth.method === "client") throw error;
      if (!(await this.#recover(token, bounds))) throw error;
      return this.#transport.send(request, await this.token(bounds));
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    clearTimeout(this.#lookupTimer);
    this.#lookupTimer = undefined;
  }

  /** `true` when a new token was obtained and the request is worth sending again. */
  async #recover(failed: string | undefined, bounds: Bounds): Promise<boolean> {
    const pending = this.#recovering;
    if (pending && pending.token === failed) return pending.promise;
    if (this.#token !== failed) return true; // somebody already replaced it
    const promise = (async () => {
      const alive = await this.#isAlive(failed, bounds);
      if (alive) return false; // the token works: the policy is what denies the request
      const auth = this.#auth;
      if (auth.method === "token") {
        if (auth.tokenFile) {
          const fresh = await this.#readCredential(auth.tokenFile, "token file (VAULT_TOKEN_FILE)");
          if (fresh !== failed) {
            this.#setToken(fresh, undefined);
            this.#deferLookup(fresh);
            return true;
          }
        }
        throw new AuthenticationError(undefined, {
          provider: PROVIDER,
          displayName: DISPLAY_NAME,
          reason: `the token was rejected (permission denied): it is invalid, expired or revoked; check ${auth.tokenFile ? "the token file" : "VAULT_TOKEN"}`,
        });
      }
      this.#logger.info("vault.login.expired", { auth_method: auth.method });
      this.#token = undefined;
      await this.token(bounds);
      return true;
    })();
    this.#recovering = { token: failed, promise };
    try {
      return await promise;
    } finally {
      if (this.#recovering?.promise === promise) this.#recovering = undefined;
    }
  }

  /** Does `token` still authenticate? Every token may look itself up unless its policies forbid even that. */
  async #isAlive(token: string | undefined, bounds: Bounds): Promise<boolean> {
    if (token === undefined) return false;
    const response = await this.#transport.send(
      { method: "GET", segments: ["auth", "token", "lookup-self"], accept: [403], ...bounds },
      token,
    );
    if (response.status === 403) return false;
    // The answer is the lookup a given token's renewal waits for: use it, and skip the deferred one.
    if (this.#lookupTimer !== undefined && this.#token === token) {
      clearTimeout(this.#lookupTimer);
      this.#lookupTimer = undefined;
      this.#scheduleFromLookup(response);
    }
    return true;
  }

  async #acquire(bounds: Bounds = {}): Promise<string | undefined> {
    const auth = this.#auth;
    switch (auth.method) {
      case "client":
        return undefined;
      case "token": {
        const token =
          auth.token ?? (await this.#readCredential(auth.tokenFile, "token file (VAULT_TOKEN_FILE)"));
        this.#setToken(token, undefined);
        this.#deferLookup(token);
        return token;
      }
      case "approle": {
        const roleId =
          auth.roleId ??
          (await this.#readCredential(auth.roleIdFile, "AppRole role id file (VAULT_ROLE_ID_FILE)"));
        const secretId =
          auth.secretId ??
          (auth.secretIdFile
            ? await this.#readCredential(auth.secretIdFile, "AppRole secret id file (VAULT_SECRET_ID_FILE)")
            : undefined);
        const body: Record<string, string> = { role_id: roleId };
        if (secretId !== undefined) body.secret_id = secretId;
        return this.#login("AppRole", auth.mount, body, bounds);
      }
      case "kubernetes": {
        const jwt = await this.#readCredential(
          auth.jwtFile ?? DEFAULT_KUBERNETES_JWT_FILE,
          "Kubernetes service-account token file (VAULT_K8S_JWT_FILE)",
        );
        return this.#login("Kubernetes", auth.mount, { role: auth.role, jwt }, bounds);
      }
    }
  }

  async #login(label: string, mount: string, body: Record<string, string>, bounds: Bounds): Promise<string> {
    const response = await this.#transport.send(
      {
        method: "POST",
        segments: ["auth", ...splitPath(mount, "auth mount"), "login"],
        body,
        login: label,
        ...bounds,
      },
      undefined,
    );
    const auth = response.body?.auth as
      | { client_token?: unknown; lease_duration?: unknown; renewable?: unknown }
      | undefined;
    if (typeof auth?.client_token !== "string" || auth.client_token.length === 0)
      throw new AuthenticationError(undefined, {
        provider: PROVIDER,
        displayName: DISPLAY_NAME,
        reason: `${label} login returned no token`,
      });
    const ttl = typeof auth.lease_duration === "number" ? auth.lease_duration : 0;
    const renewable = auth.renewable === true;
    this.#setToken(auth.client_token, ttl);
    this.#logger.info("vault.login", { auth_method: label, ttl_seconds: ttl, renewable });
    this.#schedule(ttl, renewable, ttl);
    return auth.client_token;
  }

  #setToken(token: string, ttlSeconds: number | undefined): void {
    this.#token = token;
    this.#remember(token);
    this.#expiresAt = ttlSeconds ? Date.now() + ttlSeconds * 1000 : undefined;
  }

  #remember(credential: string): void {
    this.#credentials.add(credential);
    // Core scrubs remembered values from every log line and error message it writes.
    registerSecretValue(credential);
  }

  /**
   * For a token given as such, when renewal is on: look it up after
   * `TOKEN_LOOKUP_DELAY_MS` (an `unref()`ed timer, stopped by `close()`), unless a
   * 403 made the provider look it up first. Batch tokens are never looked up.
   */
  #deferLookup(token: string): void {
    clearTimeout(this.#lookupTimer);
    this.#lookupTimer = undefined;
    if (!this.#renew || this.#closed || isBatchToken(token)) return;
    this.#lookupTimer = setTimeout(() => {
      this.#lookupTimer = undefined;
      void this.#lookupAndSchedule(token);
    }, TOKEN_LOOKUP_DELAY_MS);
    this.#lookupTimer.unref();
  }

  /** Learn the token's TTL once, and schedule its renewal when it is renewable. */
  async #lookupAndSchedule(token: string): Promise<void> {
    try {
      const response = await this.#transport.send(
        { method: "GET", segments: ["auth", "token", "lookup-self"] },
        token,
      );
      if (this.#closed || this.#token !== token) return;
      this.#scheduleFromLookup(response);
    } catch (error) {
      this.#logger.debug("vault.token.lookup_failed", { error: (error as Error).message });
    }
  }

  #scheduleFromLookup(response: VaultResponse): void {
    const data = response.body?.data as
      | { ttl?: unknown; renewable?: unknown; creation_ttl?: unknown }
      | undefined;
    const ttl = typeof data?.ttl === "number" ? data.ttl : 0;
    const creationTtl =
      typeof data?.creation_ttl === "number" && data.creation_ttl > 0 ? data.creation_ttl : ttl;
    if (ttl > 0) this.#expiresAt = Date.now() + ttl * 1000;
    this.#schedule(ttl, data?.renewable === true, creationTtl);
  }

  /**
   * After two thirds of `ttl`: renew a renewable token by `increment`; log in
   * again when a login-based token cannot be renewed (or no longer extends).
   */
  #schedule(ttl: number, renewable: boolean, increment: number): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#renew || this.#closed || ttl <= 0) return;
    const loginBased = this.#auth.method === "approle" || this.#auth.method === "kubernetes";
    if (!renewable && !loginBased) return;
    // A TTL over about 37 days would overflow the timer (Node fires it at once): renewing
    // earlier than two thirds of it is harmless, a renewal every millisecond is not.
    const delay = timerDelay(Math.max(MIN_RENEW_DELAY_MS, ttl * 1000 * RENEW_AT));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#refresh(renewable, increment);
    }, delay);
    this.#timer.unref();
  }

  async #refresh(renewable: boolean, increment: number): Promise<void> {
    if (this.#closed) return;
    const token = this.#token;
    const loginBased = this.#auth.method === "approle" || this.#auth.method === "kubernetes";
    if (!renewable) {
      if (loginBased) await this.#reLogin();
      return;
    }
    try {
      const response = await this.#transport.send(
        { method: "POST", segments: ["auth", "token", "renew-self"], body: { increment: `${increment}s` } },
        token,
      );
      if (this.#closed || this.#token !== token) return;
      const auth = response.body?.auth as { lease_duration?: unknown; renewable?: unknown } | undefined;
      const ttl = typeof auth?.lease_duration === "number" ? auth.lease_duration : 0;
      this.#expiresAt = ttl > 0 ? Date.now() + ttl * 1000 : this.#expiresAt;
      const capped = ttl < increment;
      this.#logger.info("vault.token.renewed", { ttl_seconds: ttl, capped });
      if (capped && !loginBased) {
        this.#logger.info("vault.token.max_ttl", { ttl_seconds: ttl });
        return;
      }
      // A login-based token that reached its maximum TTL is replaced by logging in again.
      this.#schedule(ttl, auth?.renewable === true && !capped, increment);
    } catch (error) {
      this.#logger.warn("vault.token.renew_failed", { error: (error as Error).message });
      if (loginBased) await this.#reLogin();
    }
  }

  async #reLogin(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#acquire();
    } catch (error) {
      this.#logger.warn("vault.login.failed", { error: (error as Error).message });
    }
  }

  async #readCredential(file: string | undefined, what: string): Promise<string> {
    if (!file)
      throw new ProviderNotConfiguredError(undefined, { provider: PROVIDER, reason: `no ${what} given` });
    const resolved = path.resolve(this.#cwd, file);
    const read = await readSettingFile(resolved, `the ${what} ${resolved}`, MAX_CREDENTIAL_FILE_BYTES);
    if (!read.ok)
      throw new ProviderNotConfiguredError(undefined, {
        provider: PROVIDER,
        reason: read.reason,
        ...(read.cause === undefined ? {} : { cause: read.cause }),
      });
    const value = read.bytes.toString("utf8").trim();
    read.bytes.fill(0);
    if (!value)
      throw new ProviderNotConfiguredError(undefined, {
        provider: PROVIDER,
        reason: `the ${what} ${resolved} is empty`,
      });
    this.#remember(value);
    return value;
  }
}
