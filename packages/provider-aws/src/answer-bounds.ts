/**
 * Bounds on what the service may send back, enforced on the client the
 * provider builds: an answer's body is cut off once it passes
 * `MAX_ANSWER_BYTES`, and one attempt, its body included, ends when its time
 * is up. Either way the socket is closed, so an endless, huge or dripped body
 * never fills the memory or holds a caller without a deadline.
 */
import { Readable, Transform, type TransformCallback } from "node:stream";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * The largest answer body read, in bytes (16 MiB). A secret holds at most
 * 64 KiB; a `BatchGetSecretValue` page of 20 such values, every byte
 * JSON-escaped (six characters at worst), stays under 8 MiB.
 */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** The name of the failure an over-long body ends with (see errors.ts). */
export const ANSWER_TOO_LARGE = "AnswerTooLarge";

/** A body longer than `MAX_ANSWER_BYTES`: the exchange was ended there. */
export class AnswerTooLargeError extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`the answer's body passed ${limit} bytes and was cut off`);
    this.name = ANSWER_TOO_LARGE;
    this.limit = limit;
  }
}

/**
 * An attempt whose body was still coming when its time was up. Named as the
 * HTTP handler names its own timeouts, so the SDK retries it as one and it is
 * reported as one.
 */
export class AttemptTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`the answer was not complete within ${timeoutMs} ms`);
    this.name = "TimeoutError";
  }
}

/** Passes a body on until it passes `limit` bytes, then fails (which destroys the source and its socket). */
function bounded(source: Readable, limit: number): Transform {
  let seen = 0;
  const out = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) done(new AnswerTooLargeError(limit));
      else done(null, chunk);
    },
  });
  // Either side failing or closing early ends the other: no reading after the exchange is over.
  source.once("error", (error) => out.destroy(error));
  out.once("close", () => {
    if (!source.readableEnded) source.destroy();
  });
  source.pipe(out);
  return out;
}

export interface AnswerBounds {
  /** The largest body read, in bytes. */
  limit?: number;
  /** The longest one attempt may take, from sending to the body's last byte. */
  timeoutMs: number;
}

/** Bound every answer `client` receives (each attempt's, retries included). */
export function boundAnswers(client: SecretsManagerClient, bounds: AnswerBounds): void {
  const limit = bounds.limit ?? MAX_ANSWER_BYTES;
  const { timeoutMs } = bounds;
  client.middlewareStack.add(
    (next) => async (args) => {
      // Until the headers come, the HTTP handler's own timeout applies; from then on, this one.
      let body: Transform | undefined;
      let expired = false;
      const timer = setTimeout(() => {
        expired = true;
        body?.destroy(new AttemptTimeoutError(timeoutMs));
      }, timeoutMs);
      // An open socket holds the process anyway; the timer alone never should.
      timer.unref();
      let result: Awaited<ReturnType<typeof next>>;
      try {
        result = await next(args);
      } catch (error) {
        clearTimeout(timer);
        throw error;
      }
      const response = result.response as { body?: unknown };
      if (!(response.body instanceof Readable)) {
        clearTimeout(timer);
        return result;
      }
      body = bounded(response.body, limit);
      body.once("close", () => clearTimeout(timer));
      if (expired) body.destroy(new AttemptTimeoutError(timeoutMs));
      response.body = body;
      return result;
    },
    // Innermost: between the HTTP handler and the deserializer, inside the retries.
    { step: "deserialize", priority: "low", name: "secretsAnswerBounds" },
  );
}
