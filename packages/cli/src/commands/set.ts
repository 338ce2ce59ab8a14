import type { CommandContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { ParsedArgs } from "../options.js";
import { refuseDotenvOnManifest } from "../own-files.js";
import { readHidden } from "../prompt.js";
import { DEFAULT_MAX_VALUE_BYTES, decodeValue, readStdin, readValueFile } from "../read-value.js";
import { UsageError } from "../usage-error.js";

/**
 * `secrets set NAME [--from-file FILE] [--allow-empty]`: the value from
 * `--from-file`, else stdin exactly as given, else (stdin is a terminal) a
 * hidden prompt answered twice. Never from the command line (see `rules.ts`).
 * Reads are bounded by the provider's `maxValueBytes`, else 1 MiB; an empty
 * value needs `--allow-empty`. Nothing is stored unless the whole value was read.
 */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const name = String(args.name);
  const manager = context.manager();
  const limit = maxValueBytes(await manager.getProvider());
  await refuseDotenvOnManifest(manager, context, "set");
  const value = await readValue(name, args, context, limit);
  await manager.setSecret(name, value);
  if (context.global.json) context.out.printJson({ name, action: "set", provider: manager.providerName });
  else context.out.info(`Set ${name} (${manager.providerName})`);
  return EXIT.OK;
}

/** The provider's declared value limit in UTF-8 bytes, when it declares a sensible one; else the default. */
function maxValueBytes(provider: object): number {
  const declared = (provider as { maxValueBytes?: unknown }).maxValueBytes;
  return typeof declared === "number" && Number.isSafeInteger(declared) && declared > 0
    ? declared
    : DEFAULT_MAX_VALUE_BYTES;
}

async function readValue(
  name: string,
  args: ParsedArgs,
  context: CommandContext,
  limit: number,
): Promise<string> {
  const { io } = context;
  const allowEmpty = args.allowEmpty === true;
  const empty = (source: string) =>
    new UsageError(
      `${source} is empty: ${name} was not changed (pass --allow-empty to store an empty value)`,
      {
        command: "set",
      },
    );
  const file = typeof args.fromFile === "string" ? args.fromFile : undefined;
  if (file !== undefined) {
    const value = decodeValue(
      await readValueFile(io, file, "--from-file", name, limit),
      name,
      `--from-file ${file}`,
    );
    if (value === "" && !allowEmpty) throw empty(`--from-file ${file}`);
    return value;
  }
  if (!io.stdinIsTTY) {
    const value = decodeValue(await readStdin(io, name, limit), name, "stdin");
    if (value === "" && !allowEmpty) throw empty("stdin");
    return value;
  }
  const first = await readHidden(io, `Value for ${name}: `);
  if (first === "") throw new UsageError(`No value entered: ${name} was not changed`, { command: "set" });
  const second = await readHidden(io, `Repeat the value for ${name}: `);
  if (first !== second)
    throw new UsageError(`The two entries differ: ${name} was not changed`, { command: "set" });
  if (Buffer.byteLength(first) > limit)
    throw new UsageError(`The value exceeds ${limit} bytes: ${name} was not changed`, { command: "set" });
  return first;
}
