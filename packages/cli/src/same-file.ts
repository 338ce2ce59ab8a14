import { realpathSync } from "node:fs";
import path from "node:path";

/**
 * Whether two paths name one file: as written (made absolute), or once every
 * symbolic link on the way is followed. A path that does not exist yet is
 * followed as far as it exists (`link-to-dir/new.env` is the new file in the
 * linked directory).
 */
export function isSameFile(a: string, b: string): boolean {
  const forms = (file: string) => {
    const absolute = path.resolve(file);
    return [absolute, followLinks(absolute)];
  };
  const ofA = forms(a);
  return forms(b).some((form) => ofA.includes(form));
}

/** The path with every symbolic link followed, for the part of it that exists. */
function followLinks(absolute: string): string {
  try {
    return realpathSync.native(absolute);
  } catch {
    const parent = path.dirname(absolute);
    // A dangling link, or a name that does not exist yet: its directory, followed, and the name.
    return parent === absolute ? absolute : path.join(followLinks(parent), path.basename(absolute));
  }
}
