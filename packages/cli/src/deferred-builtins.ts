import type ModuleClass from "node:module";
import path from "node:path";

/*
 * Node built-ins that the AWS SDK's packages require as they load, although a
 * run of the CLI does not use them: `http2`, for the SDK's HTTP/2 handler,
 * which the Secrets Manager client never builds (2.5 to 4 ms to load, with
 * the parts of `tls` and `assert` it pulls in), and `zlib`, for
 * request compression and a CRC32 checksum that Secrets Manager requests do
 * not use (under 1 ms). A request for either from inside those packages gets
 * a stand-in that loads the real module the first time something of it is
 * used, and from then on forwards to it: only when the module loads changes.
 * Everything else that asks for them (a third-party provider, say) gets Node's
 * module as always.
 */

export type DeferredBuiltin = "http2" | "zlib";

const SMITHY = `${path.sep}node_modules${path.sep}@smithy${path.sep}`;
const AWS_SDK = `${path.sep}node_modules${path.sep}@aws-sdk${path.sep}`;

/** The built-in that `request`, made from the file `parent`, gets a stand-in for, if any. */
export function deferredRequest(request: unknown, parent: string | undefined): DeferredBuiltin | undefined {
  let name: DeferredBuiltin;
  if (request === "node:http2" || request === "http2") name = "http2";
  else if (request === "node:zlib" || request === "zlib") name = "zlib";
  else return undefined;
  return parent !== undefined && (parent.includes(SMITHY) || parent.includes(AWS_SDK)) ? name : undefined;
}

const made: Partial<Record<DeferredBuiltin, object>> = {};

/**
 * The stand-in for a built-in: one per process. What the SDK's packages read
 * from it as they load is answered without loading it: `http2.constants` (an
 * object that loads `http2` when a constant is read), `zlib.crc32` (a function
 * that loads `zlib` when it is called; Node has it from 20.15), and
 * `__esModule`, which no built-in has. Anything else loads the real module.
 */
export function deferredBuiltin(name: DeferredBuiltin): object {
  const existing = made[name];
  if (existing !== undefined) return existing;
  let real: Record<PropertyKey, unknown> | undefined;
  const load = (): Record<PropertyKey, unknown> => {
    real ??= process.getBuiltinModule(`node:${name}`) as Record<PropertyKey, unknown>;
    return real;
  };
  const early: Record<PropertyKey, unknown> = Object.create(null);
  early.__esModule = undefined;
  if (name === "http2") early.constants = forwarder(() => load().constants as object, Object.create(null));
  else
    early.crc32 = function crc32(...args: unknown[]): unknown {
      return (load().crc32 as (...a: unknown[]) => unknown)(...args);
    };
  const stand = forwarder(load, early);
  made[name] = stand;
  return stand;
}

/** An object that reads, writes and lists what `load()` returns, but answers the keys of `early` itself. */
function forwarder(load: () => object, early: Record<PropertyKey, unknown>): object {
  return new Proxy(Object.create(null) as object, {
    get: (_target, key) => (key in early ? early[key] : Reflect.get(load(), key)),
    set: (_target, key, value) => Reflect.set(load(), key, value),
    has: (_target, key) => Reflect.has(load(), key),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
      // The stand-in's own target holds nothing: what it reports must be configurable.
      return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
    },
    defineProperty: (_target, key, descriptor) => Reflect.defineProperty(load(), key, descriptor),
    deleteProperty: (_target, key) => Reflect.deleteProperty(load(), key),
  });
}

/** From now on, the SDK's packages get the stand-ins (see above) when they ask for `http2` or `zlib`. Never throws. */
export function deferBuiltins(): void {
  const Module = process.getBuiltinModule("node:module") as typeof ModuleClass & {
    _load?: (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
  };
  const original = Module._load;
  if (typeof original !== "function") return;
  Module._load = function load(request, parent, isMain) {
    const name = deferredRequest(request, parent?.filename);
    return name === undefined ? original.call(this, request, parent, isMain) : deferredBuiltin(name);
  };
}
