/**
 * The few file-system calls the read paths make (a provider reading its file,
 * a manifest being loaded, a health check), as promises over Node's callback
 * API. `fs.promises` would do the same, but loading it also loads Node's
 * stream, readline and watcher modules, a cost every start of the CLI would
 * pay to read one small file. Errors are Node's own (`code`, `syscall`, `path`).
 */
import { access, type BigIntStats, close, constants, fstat, open, read, type Stats, stat } from "node:fs";

type Callback<T> = (error: NodeJS.ErrnoException | null, value: T) => void;

function call<T>(start: (callback: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, value) => (error ? reject(error) : resolve(value)));
  });
}

/** A file opened for reading; `close` it when done (it is not closed for you). */
export interface ReadableFile {
  stat(): Promise<Stats>;
  /** Bytes read into `buffer` at `offset`; 0 at the end of the file. `position` null: from the current one. */
  read(buffer: Buffer, offset: number, length: number, position: number | null): Promise<number>;
  close(): Promise<void>;
}

/** A file `fileCalls.open` opened: a `ReadableFile` that can also give its stats with nanosecond times. */
export interface OpenedFile extends ReadableFile {
  statBigInt(): Promise<BigIntStats>;
}

export const fileCalls = {
  stat: (file: string): Promise<Stats> => call<Stats>((done) => stat(file, done)),
  statBigInt: (file: string): Promise<BigIntStats> =>
    call<BigIntStats>((done) => stat(file, { bigint: true }, done)),
  access: (file: string, mode: number): Promise<void> =>
    call<void>((done) => access(file, mode, (error) => done(error, undefined))),
  /** `file` opened with `flags` (default read-only). */
  async open(file: string, flags: number | string = "r"): Promise<OpenedFile> {
    const fd = await call<number>((done) => open(file, flags, done));
    return {
      stat: () => call<Stats>((done) => fstat(fd, done)),
      statBigInt: () => call<BigIntStats>((done) => fstat(fd, { bigint: true }, done)),
      read: (buffer, offset, length, position) =>
        call<number>((done) => read(fd, buffer, offset, length, position, (error, n) => done(error, n))),
      close: () => call<void>((done) => close(fd, (error) => done(error, undefined))),
    };
  },
};

/** The least a read buffer grows by: a file that outgrows its `stat` is read in a few steps. */
const MIN_GROWTH = 16 * 1024;

/**
 * An open file's bytes from its start to its end, or `undefined` as soon as
 * there are more than `limit` of them: never more than `limit + 1` bytes are
 * held. The first buffer holds `sizeHint` bytes (the size a `stat` gave) and
 * one more, which notices a file that grew since; it grows while the file
 * does, at least doubling and by at least 16 KiB, so a file whose `stat` says
 * 0 bytes (procfs, some FUSE mounts) takes a few reads, not one per doubling
 * from a single byte. Only a read that answers 0 ends it: a short read may be
 * a piece (a pipe-backed or network file system), not the end of the file.
 * The returned buffer is exactly the bytes read.
 */
export async function readUpTo(
  file: ReadableFile,
  sizeHint: number,
  limit: number,
): Promise<Buffer | undefined> {
  const hint = Number.isSafeInteger(sizeHint) && sizeHint > 0 ? sizeHint : 0;
  let buffer = Buffer.alloc(Math.min(hint, limit) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > limit) return undefined;
      const larger = Buffer.alloc(Math.min(Math.max(buffer.length * 2, MIN_GROWTH), limit + 1));
      buffer.copy(larger, 0, 0, length);
      buffer.fill(0);
      buffer = larger;
    }
    const bytesRead = await file.read(buffer, length, buffer.length - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return length > limit ? undefined : buffer.subarray(0, length);
}

/** The `isX()` methods of `Stats` and `BigIntStats`. */
export interface FileTypeTests {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSymbolicLink(): boolean;
}

/** What a path is, in words for an error ("a named pipe", "a directory"): "a regular file" for one. */
export function fileTypeOf(stats: FileTypeTests): string {
  if (stats.isFile()) return "a regular file";
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a named pipe";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSymbolicLink()) return "a symbolic link";
  return "an unknown kind of file";
}

/** What `readRegularFile` found: the bytes, or why there are none. */
export type RegularFileRead =
  /** `stats`: the open file's, taken before it was read (a change after that shows in the next `stat`). */
  | { readonly kind: "read"; readonly bytes: Buffer; readonly stats: BigIntStats }
  | { readonly kind: "missing" }
  | { readonly kind: "directory" }
  /** A FIFO, socket or device, named in `type` ("a named pipe"): never read (a pipe or `/dev/zero` may never end). */
  | { readonly kind: "not-a-file"; readonly type: string }
  /** More than `limit` bytes: `size` is what `stat` said, or `limit + 1` for a file that grew while it was read. */
  | { readonly kind: "too-large"; readonly size: number }
  /** The open, `stat` or a read failed (not ENOENT); `error` is Node's own. */
  | { readonly kind: "failed"; readonly error: unknown };

/**
 * A regular file's bytes, at most `limit` of them (see `readUpTo`). It is
 * opened non-blocking, so a FIFO with no writer does not hang the open, and it
 * is read only when `stat` says it is a regular file. Failures are returned,
 * not thrown, for each caller to put in its own words; the file is always
 * closed.
 */
export async function readRegularFile(file: string, limit: number): Promise<RegularFileRead> {
  let handle: OpenedFile;
  try {
    handle = await fileCalls.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT"
      ? { kind: "missing" }
      : { kind: "failed", error };
  }
  try {
    const stats = await handle.statBigInt();
    if (stats.isDirectory()) return { kind: "directory" };
    if (!stats.isFile()) return { kind: "not-a-file", type: fileTypeOf(stats) };
    const size = Number(stats.size);
    if (size > limit) return { kind: "too-large", size };
    const bytes = await readUpTo(handle, size, limit);
    return bytes === undefined ? { kind: "too-large", size: limit + 1 } : { kind: "read", bytes, stats };
  } catch (error) {
    return { kind: "failed", error };
  } finally {
    await handle.close().catch(() => {});
  }
}
