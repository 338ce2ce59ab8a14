import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";
import type { ProviderCapabilities, SecretProvider } from "@org/secrets-core";
import { MemoryProvider } from "@org/secrets-provider-testkit/memory";
import { run } from "../src/index.js";

/** Captures everything written to it. */
export class Capture extends Writable {
  readonly chunks: Buffer[] = [];
  isTTY = false;
  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    callback();
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

export interface MemoryProviderOptions {
  name?: string;
  capabilities?: Partial<ProviderCapabilities>;
  /** Offer `list` (the listing capability). */
  list?: boolean;
  /** Every call throws this. */
  failure?: Error;
  /** Keep earlier values (capability `versions`). */
  versions?: boolean;
  /** Offer `restore` (scheduled deletion). */
  restore?: boolean;
}

/**
 * The testkit's in-memory provider as the CLI's in-process tests use it:
 * metadata but no check-and-set or batch reads unless asked for.
 */
export function memoryProvider(
  initial: Record<string, string> = {},
  options: MemoryProviderOptions = {},
): MemoryProvider {
  const provider = new MemoryProvider({
    name: options.name,
    initial,
    capabilities: {
      versions: options.versions === true,
      checkAndSet: false,
      metadata: true,
      ...options.capabilities,
    },
    methods: { getMany: false, list: options.list === true, restore: options.restore === true },
  });
  provider.failWith = options.failure;
  return provider;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunInput {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** What stdin holds; it ends after this. */
  stdin?: string | Buffer;
  /** A stdin that stays open: the test writes to it (prompts). */
  stdinStream?: PassThrough & { setRawMode?: (mode: boolean) => unknown; isTTY?: boolean };
  stdinIsTTY?: boolean;
  stdoutIsTTY?: boolean;
  provider?: SecretProvider;
}

/** `run()` in-process with captured output; `provider` is reachable as `--provider memory`. */
export async function runCli(argv: string[], input: RunInput = {}): Promise<RunResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  let stdin = input.stdinStream;
  if (!stdin) {
    stdin = new PassThrough();
    stdin.end(input.stdin ?? "");
  }
  const provider = input.provider;
  const code = await run(
    argv,
    {
      stdin,
      stdout,
      stderr,
      env: { PATH: process.env.PATH, ...input.env },
      cwd: input.cwd ?? process.cwd(),
      stdinIsTTY: input.stdinIsTTY ?? false,
      stdoutIsTTY: input.stdoutIsTTY ?? false,
      stderrIsTTY: false,
    },
    provider ? { loaders: { memory: async () => ({ createProvider: () => provider }) } } : {},
  );
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A temporary directory, removed by the returned function. */
export function tempDir(prefix = "secrets-cli-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The `yaml` package, to read exports back. It is not a dependency of this
 * package; it is borrowed from the exporters package, which depends on it.
 */
export function loadYamlReader(): { parse(text: string, options?: { version?: "1.1" | "1.2" }): unknown } {
  const here = createRequire(import.meta.url);
  const exporters = here.resolve("@org/secrets-exporters/package.json");
  return createRequire(exporters)("yaml");
}

/**
 * A third-party provider module at `file` holding one secret in its own store.
 * It reads the environment it was given before its store, as env does, and
 * declares the `environmentFirst` trait only when that environment has `LOCAL_TRAIT=1`.
 */
export function writeEnvironmentFirstProvider(file: string, name: string, value: string): void {
  writeFileSync(
    file,
    `export function createProvider(context) {
  const store = new Map([[${JSON.stringify(name)}, ${JSON.stringify(value)}]]);
  return {
    name: "local",
    traits: context.env.LOCAL_TRAIT === "1" ? { environmentFirst: true } : undefined,
    async get(name) { const v = context.env[name] ?? store.get(name); return v === undefined ? undefined : { value: v }; },
    async set(name, value) { store.set(name, value); },
    async delete(name) { return store.delete(name); },
    async check() {},
  };
}
`,
  );
}
