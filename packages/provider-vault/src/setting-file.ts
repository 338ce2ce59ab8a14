/**
 * Files named by settings (a token, AppRole or Kubernetes credential, a CA
 * certificate): read whole but bounded, and only when they are regular files.
 */
import { fsErrorCode, readRegularFile } from "@org/secrets-core/provider";

/** The most a token, role id, secret id or service-account token file may hold: 64 KiB. */
export const MAX_CREDENTIAL_FILE_BYTES = 64 * 1024;
/** The most a CA certificate file may hold: 4 MiB (a whole system bundle is a few hundred KiB). */
export const MAX_CA_FILE_BYTES = 4 * 1024 * 1024;

export type SettingFile =
  | { readonly ok: true; readonly bytes: Buffer }
  /** `reason`: what is wrong, in words that name the file as `name` ("cannot read the token file /x (EACCES)"). */
  | { readonly ok: false; readonly reason: string; readonly cause?: unknown };

/**
 * The bytes of `file`, which `name` names in messages ("the token file
 * (VAULT_TOKEN_FILE) /run/token"), at most `limit` of them. A directory, FIFO
 * or device is refused, never read: a pipe with no writer, or `/dev/zero`,
 * would never end.
 */
export async function readSettingFile(file: string, name: string, limit: number): Promise<SettingFile> {
  const found = await readRegularFile(file, limit);
  switch (found.kind) {
    case "read":
      return { ok: true, bytes: found.bytes };
    case "missing":
      return { ok: false, reason: `cannot read ${name} (ENOENT)` };
    case "directory":
      return { ok: false, reason: `${name} is a directory, not a regular file` };
    case "not-a-file":
      return { ok: false, reason: `${name} is ${found.type}, not a regular file` };
    case "too-large":
      return { ok: false, reason: `${name} is larger than ${sizeWords(limit)}, the most it may hold` };
    case "failed":
      return {
        ok: false,
        reason: `cannot read ${name} (${fsErrorCode(found.error) ?? "unreadable"})`,
        cause: found.error,
      };
  }
}

/** `64 KiB`, `4 MiB`: a limit as people write it. */
function sizeWords(bytes: number): string {
  const MiB = 1024 * 1024;
  return bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`;
}
