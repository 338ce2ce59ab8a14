// File-system failures as the provider's errors: the errno → message mapping, in one place.

import {
  AccessDeniedError,
  ProviderError,
  ProviderUnavailableError,
  SecretError,
} from "@org/secrets-core/provider";
import { PROVIDER } from "./options.js";

export function notAFile(file: string): SecretError {
  return new ProviderUnavailableError(`Cannot use ${file}: it is not a regular file (a directory?)`, {
    provider: PROVIDER,
  });
}

/** A file-system failure as a `SecretError` naming the path (errors that already are one pass through). */
export function fileError(error: unknown, action: string, file: string): SecretError {
  if (error instanceof SecretError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "EACCES":
    case "EPERM":
      return new AccessDeniedError(`Cannot ${action} ${file}: permission denied`, {
        provider: PROVIDER,
        cause: error,
      });
    case "EISDIR":
      return new ProviderUnavailableError(`Cannot ${action} ${file}: it is a directory`, {
        provider: PROVIDER,
        cause: error,
      });
    case "ENOENT":
      return new ProviderUnavailableError(`Cannot ${action} ${file}: its directory does not exist`, {
        provider: PROVIDER,
        cause: error,
      });
    case "ENOTDIR":
      return new ProviderUnavailableError(`Cannot ${action} ${file}: a parent of it is not a directory`, {
        provider: PROVIDER,
        cause: error,
      });
    case "EROFS":
      return new ProviderUnavailableError(`Cannot ${action} ${file}: the file system is read-only`, {
        provider: PROVIDER,
        cause: error,
      });
    default:
      return new ProviderError(`Cannot ${action} ${file}: ${code ?? "unexpected error"}`, {
        provider: PROVIDER,
        cause: error,
      });
  }
}
