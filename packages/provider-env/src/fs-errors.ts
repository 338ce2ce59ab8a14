// File-system failures as the provider's errors: which error class each errno
// code becomes here; the words come from core's shared `describeFsError`.

import {
  AccessDeniedError,
  describeFsError,
  fsErrorCode,
  ProviderError,
  ProviderUnavailableError,
  SecretError,
} from "@org/secrets-core/provider";
import { PROVIDER } from "./options.js";

/** The codes this provider words; the others are shown as the code itself. */
const WORDED = ["EACCES", "EPERM", "EISDIR", "ENOENT", "ENOTDIR", "ENOSPC", "EROFS"] as const;
/** Where "the path" is always the `.env` file, so these are said of its directory. */
const OWN_WORDS = {
  ENOENT: "its directory does not exist",
  ENOTDIR: "a parent of it is not a directory",
} as const;

/** `type` in words, as `fileTypeOf` gives it ("a directory", "a named pipe"). */
export function notAFile(file: string, type: string): SecretError {
  return new ProviderUnavailableError(`Cannot use ${file}: it is ${type}, not a regular file`, {
    provider: PROVIDER,
  });
}

/** A file-system failure as a `SecretError` naming the path (errors that already are one pass through). */
export function fileError(error: unknown, action: string, file: string): SecretError {
  if (error instanceof SecretError) return error;
  const code = fsErrorCode(error);
  const reason = describeFsError(error, { codes: WORDED, words: OWN_WORDS });
  const message = `Cannot ${action} ${file}: ${reason ?? code ?? "unexpected error"}`;
  if (code === "EACCES" || code === "EPERM")
    return new AccessDeniedError(message, { provider: PROVIDER, cause: error });
  if (reason !== undefined)
    return new ProviderUnavailableError(message, { provider: PROVIDER, cause: error });
  return new ProviderError(message, { provider: PROVIDER, cause: error });
}
