// Writes to the dotenv file: read-modify-write under the cross-process lock, replaced atomically.

import { SecretError, withFileLock, writeSecretFile } from "@org/secrets-core/provider";
import type { DotenvDocument } from "@org/secrets-exporters/dotenv";
import type { DotenvFile } from "./dotenv-file.js";
import { fileError } from "./fs-errors.js";
import { type LockOptions, PROVIDER } from "./options.js";

/**
 * How many times an edit is made again when the file changed between its read
 * and its replacement (a program that does not take the lock, such as an
 * editor, wrote it): then the write fails with `CONFLICT`.
 */
export const EDIT_ATTEMPTS = 3;

/** Thrown right before the rename when the file is no longer the one read: the edit is made again. */
class ChangedMeanwhile extends Error {}

/**
 * Read-modify-write the file under the cross-process lock. `change` edits the
 * document and says whether to write it (`true`), or returns the document to
 * write instead; it may throw to abandon the edit. Right before the new file
 * replaces the old one, the file is checked to be the one that was read: if a
 * program that does not take the lock changed it meanwhile, its change is
 * kept and the edit is made again on it (`change` is then called again), at
 * most `EDIT_ATTEMPTS` times in all.
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
        for (let attempt = 1; ; attempt++) {
          // The caller may have given up while we waited for the lock: nothing is read or written then.
          signal?.throwIfAborted();
          // Only the text is kept across the write: the parsed documents are let go first.
          const { text, state } = await changedText(file, target, change);
          if (text === undefined) return;
          const size = Buffer.byteLength(text, "utf8");
          if (size > file.maxFileBytes) throw file.tooLarge(target, "would be", size);
          try {
            // Every writer of the file holds the lock: leftovers of earlier locked writers are removed.
            // The signal is checked again right before the rename: an aborted write changes nothing.
            await writeSecretFile(target, text, {
              locked: true,
              signal,
              beforeReplace: async () => {
                if ((await file.stateOf(target)) !== state) throw new ChangedMeanwhile();
              },
            });
            return;
          } catch (error) {
            if (signal?.aborted && error === signal.reason) throw error;
            if (!(error instanceof ChangedMeanwhile)) throw fileError(error, "write", target);
            if (attempt === EDIT_ATTEMPTS)
              throw new SecretError(
                `Cannot write ${target}: another program changed it while it was being written, ${EDIT_ATTEMPTS} times; nothing was written: try again`,
                { code: "CONFLICT", provider: PROVIDER },
              );
          }
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

/** The file's text after `change` (`undefined` when there is nothing to write), and the state of the file read. */
async function changedText(
  file: DotenvFile,
  target: string,
  change: (document: DotenvDocument) => Promise<boolean | DotenvDocument>,
): Promise<{ text: string | undefined; state: string }> {
  const read = await file.readForWrite(target);
  const document = file.parse(read.text);
  const changed = await change(document);
  if (changed === false) return { text: undefined, state: read.state };
  return { text: (changed === true ? document : changed).toString(), state: read.state };
}
