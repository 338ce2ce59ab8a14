// Writes to the dotenv file: read-modify-write under the cross-process lock, replaced atomically.

import { withFileLock, writeSecretFile } from "@org/secrets-core/provider";
import type { DotenvDocument } from "@org/secrets-exporters/dotenv";
import type { DotenvFile } from "./dotenv-file.js";
import { fileError } from "./fs-errors.js";
import type { LockOptions } from "./options.js";

/**
 * Read-modify-write the file under the cross-process lock. `change` edits the
 * document and says whether to write it (`true`), or returns the document to
 * write instead; it may throw to abandon the edit.
 */
export async function editLocked(
  file: DotenvFile,
  lock: LockOptions,
  change: (document: DotenvDocument) => Promise<boolean | DotenvDocument>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const target = await file.writeTarget();
  try {
    await withFileLock(
      target,
      async () => {
        // The caller may have given up while we waited for the lock: nothing is read or written then.
        signal?.throwIfAborted();
        // Only the text is kept across the write: the parsed documents are let go first.
        const text = await changedText(file, target, change);
        if (text === undefined) return;
        const size = Buffer.byteLength(text, "utf8");
        if (size > file.maxFileBytes) throw file.tooLarge(target, "would be", size);
        try {
          // Every writer of the file holds the lock: leftovers of earlier locked writers are removed.
          // The signal is checked again right before the rename: an aborted write changes nothing.
          await writeSecretFile(target, text, { locked: true, signal });
        } catch (error) {
          if (signal?.aborted && error === signal.reason) throw error;
          throw fileError(error, "write", target);
        }
      },
      { ...lock, signal },
    );
  } catch (error) {
    if (signal?.aborted && error === signal.reason) throw error;
    throw fileError(error, "lock", target);
  } finally {
    file.invalidate();
  }
}

/** The file's text after `change`, or `undefined` when there is nothing to write. */
async function changedText(
  file: DotenvFile,
  target: string,
  change: (document: DotenvDocument) => Promise<boolean | DotenvDocument>,
): Promise<string | undefined> {
  const document = file.parse(await file.readForWrite(target));
  const changed = await change(document);
  if (changed === false) return undefined;
  return (changed === true ? document : changed).toString();
}
