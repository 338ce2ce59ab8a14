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

/**
 * Never creates the file. Its four questions (the directory's and the file's
 * stats, whether the file can be read and written, whether the directory can be
 * written) are asked at once, and their answers judged in that order.
 */
export async function checkDotenvFile(file: DotenvFile): Promise<ProviderStatus> {
  const dir = path.dirname(file.path);
  const [dirStat, fileStat, fileAccess, dirAccess] = await Promise.allSettled([
    fs.stat(dir),
    fs.stat(file.path),
    fs.access(file.path, constants.R_OK | constants.W_OK),
    fs.access(dir, constants.W_OK),
  ]);
  if (dirStat.status === "rejected") {
    const error = dirStat.reason;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR")
      throw new ProviderUnavailableError(`Cannot use ${file.path}: the directory ${dir} does not exist`, {
        provider: PROVIDER,
        cause: error,
      });
    throw fileError(error, "read the directory", dir);
  }
  if (!dirStat.value.isDirectory())
    throw new ProviderUnavailableError(`Cannot use ${file.path}: ${dir} is not a directory`, {
      provider: PROVIDER,
    });
  const warnings: string[] = [];
  const directoryExposed = exposedDirectoryWarning(dir, file.path, dirStat.value.mode);
  if (directoryExposed !== undefined) warnings.push(directoryExposed);
  const exists = fileStatus(file.path, fileStat, fileAccess, warnings);
  return {
    details: { file: file.path, exists, directoryWritable: dirAccess.status === "fulfilled" },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** Whether the file exists; throws when it is not a regular file we can read and write. */
function fileStatus(
  file: string,
  stat: PromiseSettledResult<Stats>,
  access: PromiseSettledResult<void>,
  warnings: string[],
): boolean {
  const failure =
    stat.status === "rejected" ? stat.reason : access.status === "rejected" ? access.reason : undefined;
  if (stat.status === "fulfilled") {
    if (!stat.value.isFile()) throw notAFile(file, fileTypeOf(stat.value));
    // Reported to health, which shows it: not logged as well.
    const fileExposed = exposedFileWarning(file, stat.value.mode);
    if (fileExposed !== undefined) warnings.push(fileExposed);
  }
  if (failure === undefined) return true;
  if ((failure as NodeJS.ErrnoException).code !== "ENOENT") throw fileError(failure, "read and write", file);
  return false;
}
