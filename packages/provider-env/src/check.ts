// The provider's health check: the directory exists, and the file, if any, is a regular file it can read and
// write; a file other users can read or write, or a directory every user can write, is reported as a warning.

import { constants, type Stats } from "node:fs";
import path from "node:path";
import {
  fileTypeOf,
  fileCalls as fs,
  type ProviderStatus,
  ProviderUnavailableError,
} from "@org/secrets-core/provider";
import { type DotenvFile, exposedDirectoryWarning, exposedFileWarning } from "./dotenv-file.js";
import { fileError, notAFile } from "./fs-errors.js";
import { PROVIDER } from "./options.js";

/** Never creates the file. */
export async function checkDotenvFile(file: DotenvFile): Promise<ProviderStatus> {
  const dir = path.dirname(file.path);
  let dirStats: Stats;
  try {
    dirStats = await fs.stat(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR")
      throw new ProviderUnavailableError(`Cannot use ${file.path}: the directory ${dir} does not exist`, {
        provider: PROVIDER,
        cause: error,
      });
    throw fileError(error, "read the directory", dir);
  }
  if (!dirStats.isDirectory())
    throw new ProviderUnavailableError(`Cannot use ${file.path}: ${dir} is not a directory`, {
      provider: PROVIDER,
    });
  const warnings: string[] = [];
  const directoryExposed = exposedDirectoryWarning(dir, file.path, dirStats.mode);
  if (directoryExposed !== undefined) warnings.push(directoryExposed);
  let exists = true;
  try {
    const stats = await fs.stat(file.path);
    if (!stats.isFile()) throw notAFile(file.path, fileTypeOf(stats));
    // Reported to health, which shows it: not logged as well.
    const fileExposed = exposedFileWarning(file.path, stats.mode);
    if (fileExposed !== undefined) warnings.push(fileExposed);
    await fs.access(file.path, constants.R_OK | constants.W_OK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      throw fileError(error, "read and write", file.path);
    exists = false;
  }
  const directoryWritable = await fs.access(dir, constants.W_OK).then(
    () => true,
    () => false,
  );
  return {
    details: { file: file.path, exists, directoryWritable },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
