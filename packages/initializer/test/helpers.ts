// Helpers the initializer's tests share: a failing-auth error, captured
// logs, a manager over a provider, random event-loop turns. The in-memory
// provider itself comes from the testkit.
import {
  AuthenticationError,
  createLogger,
  type Logger,
  SecretManager,
  type SecretProvider,
} from "@org/secrets-core";

export { MemoryProvider } from "@org/secrets-provider-testkit/memory";

export function authFailure(): AuthenticationError {
  return new AuthenticationError(undefined, {
    provider: "memory",
    displayName: "Memory",
    reason: "token expired",
  });
}

export interface CapturedLogs {
  logger: Logger;
  lines: string[];
}

export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  return {
    lines,
    logger: createLogger({ level: "debug", format: "json", write: (line) => lines.push(line) }),
  };
}

export function managerFor(provider: SecretProvider, logger?: Logger): SecretManager {
  return new SecretManager({ provider, ...(logger ? { logger } : {}) });
}

/** A pause of a random number of event-loop turns. */
export function randomTurns(max = 5): () => Promise<void> {
  return async () => {
    const turns = Math.floor(Math.random() * max);
    for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };
}
