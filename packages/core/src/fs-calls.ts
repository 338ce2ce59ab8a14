/**
 * The few file-system calls the read paths make (a provider reading its file,
 * a manifest being loaded, a health check), as promises over Node's callback
 * API. `fs.promises` would do the same, but loading it also loads Node's
 * stream, readline and watcher modules, a cost every start of the CLI would
 * pay to read one small file. Errors are Node's own (`code`, `syscall`, `path`).
 */
import { access, type BigIntStats, close, fstat, open, read, type Stats, stat } from "node:fs";

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

export const fileCalls = {
  stat: (file: string): Promise<Stats> => call<Stats>((done) => stat(file, done)),
  statBigInt: (file: string): Promise<BigIntStats> =>
    call<BigIntStats>((done) => stat(file, { bigint: true }, done)),
  access: (file: string, mode: number): Promise<void> =>
    call<void>((done) => access(file, mode, (error) => done(error, undefined))),
  /** `file` opened with `flags` (default read-only). */
  async open(file: string, flags: number | string = "r"): Promise<ReadableFile> {
    const fd = await call<number>((done) => open(file, flags, done));
    return {
      stat: () => call<Stats>((done) => fstat(fd, done)),
      read: (buffer, offset, length, position) =>
        call<number>((done) => read(fd, buffer, offset, length, position, (error, n) => done(error, n))),
      close: () => call<void>((done) => close(fd, (error) => done(error, undefined))),
    };
  },
};
