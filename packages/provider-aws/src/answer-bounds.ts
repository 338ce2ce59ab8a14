/**
 * Bounds on what the service may send back, enforced on the client the
 * provider builds: an answer's body is cut off once it passes
 * `MAX_ANSWER_BYTES`, and its socket is closed, so an endless or huge body
 * never fills the memory.
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

/** Bound every answer `client` receives (each attempt's, retries included). */
export function boundAnswers(client: SecretsManagerClient, limit = MAX_ANSWER_BYTES): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { body?: unknown };
      if (response.body instanceof Readable) response.body = bounded(response.body, limit);
      return result;
    },
    // Innermost: between the HTTP handler and the deserializer, inside the retries.
    { step: "deserialize", priority: "low", name: "secretsAnswerBounds" },
  );
}
