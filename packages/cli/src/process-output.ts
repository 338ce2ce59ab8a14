/**
 * The process's stdout and stderr, written with synchronous writes to file
 * descriptors 1 and 2 until something needs Node's stream. Creating
 * `process.stdout` loads Node's stream machinery (and `net` for a pipe or a
 * terminal): several milliseconds of every run that only prints a line.
 *
 * A write goes straight to the descriptor, all of it, before `write` returns.
 * The stream takes over for good when a write cannot finish that way (a
 * non-blocking descriptor that is full answers EAGAIN), when something asks
 * for more than `write` and `error` listeners (a pipe from a child process),
 * and always on Windows. A write that fails for good (a reader that went away,
 * EPIPE; a full disk, ENOSPC; an I/O error) is reported to the `error`
 * listeners, as the stream would, kept as `failure`, and later writes are
 * dropped.
 */
import { fstatSync, statSync, writeSync } from "node:fs";

type ErrorListener = (error: NodeJS.ErrnoException) => void;
type WriteCallback = (error?: Error | null) => void;

/** Windows consoles need Node's own conversion: writes there always go through the stream. */
const DIRECT = process.platform !== "win32";

export class ProcessOutput {
  /** 1 for stdout, 2 for stderr. */
  readonly fd: 1 | 2;
  #stream: NodeJS.WriteStream | undefined;
  readonly #errorListeners: ErrorListener[] = [];
  #failure: NodeJS.ErrnoException | undefined;
  #terminal: boolean | undefined;

  constructor(fd: 1 | 2) {
    this.fd = fd;
  }

  /** Node's stream for this descriptor, created on first use; every write goes through it from then on. */
  get stream(): NodeJS.WriteStream {
    if (this.#stream === undefined) {
      const stream = this.fd === 1 ? process.stdout : process.stderr;
      // Kept, so that a failed write is known however it was written (and never an uncaught 'error').
      stream.on("error", (error: NodeJS.ErrnoException) => {
        this.#failure ??= error;
      });
      for (const listener of this.#errorListeners) stream.on("error", listener);
      this.#stream = stream;
    }
    return this.#stream;
  }

  /** The first write that failed for good (EPIPE, ENOSPC, EIO...), if one did. */
  get failure(): NodeJS.ErrnoException | undefined {
    return this.#failure;
  }

  get isTTY(): boolean {
    if (this.#stream !== undefined || !DIRECT) return this.stream.isTTY === true;
    this.#terminal ??= isTerminal(this.fd);
    return this.#terminal;
  }

  /** The terminal's width; `undefined` when this is not a terminal. */
  get columns(): number | undefined {
    return this.isTTY ? this.stream.columns : undefined;
  }

  write(
    chunk: string | Uint8Array,
    encoding?: BufferEncoding | WriteCallback,
    done?: WriteCallback,
  ): boolean {
    const callback = typeof encoding === "function" ? encoding : done;
    if (this.#stream !== undefined || !DIRECT) {
      return typeof encoding === "string"
        ? this.stream.write(chunk, encoding, callback)
        : this.stream.write(chunk, callback);
    }
    if (this.#failure !== undefined) return false;
    const bytes =
      typeof chunk === "string"
        ? Buffer.from(chunk, typeof encoding === "string" ? encoding : "utf8")
        : chunk;
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    } catch (error) {
      // A full non-blocking descriptor: the stream waits until it can write the rest.
      if ((error as NodeJS.ErrnoException).code === "EAGAIN")
        return this.stream.write(bytes.subarray(written), callback);
      // Anything else (EPIPE, ENOSPC, EIO...) will fail again: as the stream reports it, an
      // `error` event after the write has returned.
      const failure = error as NodeJS.ErrnoException;
      this.#failure = failure;
      process.nextTick(() => {
        for (const listener of [...this.#errorListeners]) listener(failure);
        callback?.(failure);
      });
      return false;
    }
    if (callback !== undefined) process.nextTick(callback);
    return true;
  }

  on(event: string, listener: (...args: never[]) => void): this {
    if (event === "error") {
      this.#errorListeners.push(listener as ErrorListener);
      this.#stream?.on(event, listener as ErrorListener);
    } else this.stream.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once(event: string, listener: (...args: never[]) => void): this {
    this.stream.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  removeListener(event: string, listener: (...args: never[]) => void): this {
    if (event === "error") {
      const at = this.#errorListeners.indexOf(listener as ErrorListener);
      if (at !== -1) this.#errorListeners.splice(at, 1);
    }
    this.#stream?.removeListener(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off(event: string, listener: (...args: never[]) => void): this {
    return this.removeListener(event, listener);
  }
}

/**
 * Whether `fd` is a terminal. Anything but a character device is not, and
 * neither is the null device (where a service or a test throws output away):
 * both known from `fstat`. Only another character device is asked of
 * `node:tty`, which loads Node's `net`.
 */
function isTerminal(fd: number): boolean {
  let rdev: bigint;
  try {
    // As BigInts, which Node keeps apart from its shared array of the last number stat:
    // Node 20's `realpathSync` reads that array to skip pipes and sockets, so a pipe's
    // stat left there made it return a linked package's path unresolved, and the
    // package's own dependencies were then not found.
    const stats = fstatSync(fd, { bigint: true });
    if (!stats.isCharacterDevice()) return false;
    rdev = stats.rdev;
  } catch {
    return false;
  }
  try {
    const nul = statSync("/dev/null", { bigint: true });
    if (nul.isCharacterDevice() && nul.rdev === rdev) return false;
  } catch {
    // No null device to compare with: ask node:tty.
  }
  return (process.getBuiltinModule("node:tty") as typeof import("node:tty")).isatty(fd);
}

/**
 * Where the process's two outputs are kept: one pair for the whole process,
 * shared by every copy of this module (the executable's entry and its
 * command file each carry one), so that all of them see the same stream once
 * it is created.
 */
const SLOT = Symbol.for("@org/secrets-cli/process-output@1");

/** The process's stdout (`1`) or stderr (`2`), one object each for the whole process. */
export function processOutput(fd: 1 | 2): ProcessOutput {
  const host = globalThis as unknown as Record<symbol, [ProcessOutput, ProcessOutput] | undefined>;
  let pair = host[SLOT];
  if (pair === undefined) {
    pair = [new ProcessOutput(1), new ProcessOutput(2)];
    Object.defineProperty(host, SLOT, { value: pair });
  }
  return pair[fd - 1] as ProcessOutput;
}

/** What `output` writes to as a Node stream, for a pipe into it (the process's own stream for its stdout or stderr). */
export function writableOf<T extends object>(output: T): T | NodeJS.WriteStream {
  for (const fd of [1, 2] as const) {
    const own = processOutput(fd);
    if ((output as object) === own) return own.stream;
  }
  return output;
}
