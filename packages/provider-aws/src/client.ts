/**
 * The SDK wrapper every layout sends through: one call, or the pages of a
 * paginated operation, with the caller's deadline passed down as
 * `abortSignal`, a cancellation never mistaken for an answer, failures mapped
 * to core's errors, and the time of the last successful answer.
 */
import type {
  BatchGetSecretValueCommandInput,
  BatchGetSecretValueCommandOutput,
  ListSecretsCommandInput,
  ListSecretsCommandOutput,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { isSecretError, type Logger, ProviderError, type SecretError } from "@org/secrets-core/provider";
import { type Connection, type ConnectionOptions, Connector } from "./connection.js";
import { awsErrorName } from "./error-names.js";
import { type AwsErrorContext, toSecretError } from "./errors.js";
import { DISPLAY_NAME, PROVIDER_NAME } from "./names.js";

/** One Secrets Manager secret as the toolkit talks about it. */
export interface Target {
  /** The name shown in messages: the toolkit's secret name, or the document's name. */
  label: string;
  /** The Secrets Manager name (`SecretId`). */
  id: string;
  /** The command that cancels its deletion, for messages. */
  restoreHint: string;
}

type SendOptions = { abortSignal?: AbortSignal };

/**
 * The most pages one paginated call follows: `ListSecrets` of 100 a page up
 * to twice the 500,000 secrets a region holds at most; `BatchGetSecretValue`
 * of at most 20 ids, twice as many pages as ids.
 */
export const MAX_PAGES = Object.freeze({ ListSecrets: 10_000, BatchGetSecretValue: 40 } as const);

/** The paginated operations the provider uses: their input and their page. */
interface Paginated {
  ListSecrets: [ListSecretsCommandInput, ListSecretsCommandOutput];
  BatchGetSecretValue: [BatchGetSecretValueCommandInput, BatchGetSecretValueCommandOutput];
}

type Paginate<I, O> = (
  config: { client: SecretsManagerClient },
  input: I,
  options: SendOptions,
) => AsyncIterable<O>;

export class AwsClient {
  readonly logger: Logger;
  readonly #connector: Connector;
  /** When AWS last answered a request of ours with success (epoch ms; 0: never, or failed since). */
  #answeredAt = 0;

  constructor(options: ConnectionOptions) {
    this.logger = options.logger;
    this.#connector = new Connector(options);
  }

  /** The region in use, once known. */
  get region(): string | undefined {
    return this.#connector.region;
  }

  connect(): Promise<Connection> {
    return this.#connector.connect();
  }

  close(): Promise<void> {
    return this.#connector.close();
  }

  /** Where requests go, as messages show it (see Connector.endpoint). */
  get endpoint(): string {
    return this.#connector.endpoint();
  }

  context(doing: string, action: string, target?: Target, sensitive?: readonly string[]): AwsErrorContext {
    return {
      doing,
      action: `secretsmanager:${action}`,
      endpoint: () => this.#connector.endpoint(),
      ...(target ? { secret: target.label, secretId: target.id } : {}),
      ...(sensitive ? { sensitive } : {}),
    };
  }

  /** Run one SDK call, mapping any failure to a `SecretError`. */
  async call<T>(
    ctx: AwsErrorContext,
    run: (connection: Connection, options: SendOptions) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const connection = await this.connect();
    try {
      const value = await run(connection, signal ? { abortSignal: signal } : {});
      this.#answeredAt = Date.now();
      return value;
    } catch (error) {
      this.#answeredAt = 0;
      throw this.cancelled(error, signal, ctx) ?? toSecretError(error, ctx);
    }
  }

  /** Run one SDK call and hand back the raw failure (for callers that branch on the error name). */
  async attempt<T>(
    run: (connection: Connection, options: SendOptions) => Promise<T>,
    signal?: AbortSignal,
    ctx?: AwsErrorContext,
  ): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    const connection = await this.connect();
    try {
      const value = await run(connection, signal ? { abortSignal: signal } : {});
      this.#answeredAt = Date.now();
      return { ok: true, value };
    } catch (error) {
      this.#answeredAt = 0;
      const cancelled = this.cancelled(error, signal, ctx);
      if (cancelled) throw cancelled;
      return { ok: false, error };
    }
  }

  /**
   * Every page of `operation`, through the SDK's paginator. A failure is thrown
   * as the SDK threw it (failing to connect: as a `SecretError`); see `failure`.
   */
  async *pages<K extends keyof Paginated>(
    operation: K,
    input: Paginated[K][0],
    signal?: AbortSignal,
  ): AsyncGenerator<Paginated[K][1]> {
    const { sdk, client } = await this.connect();
    const options: SendOptions = signal ? { abortSignal: signal } : {};
    const paginate = sdk[`paginate${operation}`] as unknown as Paginate<Paginated[K][0], Paginated[K][1]>;
    // The paginator accepts only its own SDK copy's client class; another copy's client pages by hand.
    const pages =
      client instanceof sdk.SecretsManagerClient
        ? paginate({ client }, input, options)
        : pagesByHand<Paginated[K][0], Paginated[K][1]>(client, sdk[`${operation}Command`], input, options);
    const tokens = new Set<string>();
    const most = MAX_PAGES[operation];
    let count = 0;
    try {
      for await (const page of pages) {
        count++;
        const token = (page as { NextToken?: unknown }).NextToken;
        // A token given twice would be followed for ever: the answer is not trusted.
        if (typeof token === "string" && token !== "") {
          if (tokens.has(token))
            throw this.#pagingError(operation, `gave a page token it had given before (page ${count})`);
          if (count >= most) throw this.#pagingError(operation, `had more to give after ${most} pages`);
          tokens.add(token);
        }
        this.#answeredAt = Date.now();
        yield page;
      }
    } catch (error) {
      this.#answeredAt = 0;
      throw error;
    }
  }

  #pagingError(operation: keyof Paginated, what: string): ProviderError {
    return new ProviderError(
      `${DISPLAY_NAME} at ${this.#connector.endpoint()} ${what} in its answer to ${operation}: stopped there`,
      { provider: PROVIDER_NAME },
    );
  }

  /** The `SecretError` for a failure of `call`-like work: core's own as it is, a cancellation as such, else by its name. */
  failure(error: unknown, signal: AbortSignal | undefined, ctx: AwsErrorContext): SecretError {
    if (isSecretError(error)) return error;
    return this.cancelled(error, signal, ctx) ?? toSecretError(error, ctx);
  }

  /**
   * The error for a request `signal` cancelled: once the caller's deadline
   * passed, nothing goes on, and no caller mistakes the cancellation for an
   * answer ("absent", "denied", ...). `undefined` while the signal is not aborted.
   */
  cancelled(error: unknown, signal: AbortSignal | undefined, ctx?: AwsErrorContext): SecretError | undefined {
    if (!signal?.aborted) return undefined;
    return toSecretError(
      awsErrorName(error) === "AbortError"
        ? error
        : Object.assign(new Error("aborted"), { name: "AbortError", cause: signal.reason }),
      ctx ?? this.context(`complete a request`, "*"),
    );
  }

  /** Whether AWS answered a request of ours with success within the last `ms` milliseconds, with no failure since. */
  answeredWithin(ms: number): boolean {
    return this.#answeredAt > 0 && Date.now() - this.#answeredAt < ms;
  }
}

/** `NextToken` followed by hand, as the SDK's paginator does. */
async function* pagesByHand<I, O>(
  client: SecretsManagerClient,
  Command: unknown,
  input: I,
  options: SendOptions,
): AsyncGenerator<O> {
  const Ctor = Command as new (input: I) => Parameters<SecretsManagerClient["send"]>[0];
  let token: string | undefined;
  do {
    const page = await client.send(
      new Ctor({ ...input, ...(token === undefined ? {} : { NextToken: token }) }),
      options,
    );
    yield page as O;
    token = (page as { NextToken?: string }).NextToken;
  } while (token);
}
