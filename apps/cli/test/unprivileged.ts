import { chownSync } from "node:fs";

/*
 * Who the bundle's tests run the CLI as: a user the file modes bind. Root
 * reads and writes anything, so when the tests run as root the child runs as
 * nobody (pass `unprivileged` as test-support's `user` option); as any other
 * user it runs as that user, already unprivileged.
 */

export const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** The `user` option for `runProcess` and `runCli`: nobody as root, else none. */
export const unprivileged = asRoot ? { uid: NOBODY, gid: NOBODY } : undefined;

/** Hand `file` to the user the children run as (nothing to do unless the tests run as root). */
export function giveToUser(file: string): void {
  if (asRoot) chownSync(file, NOBODY, NOBODY);
}
