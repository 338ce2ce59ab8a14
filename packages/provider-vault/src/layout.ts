/**
 * What every storage layout offers the provider, and the helpers the layouts
 * share: batched reads with bounded concurrency, the secret names of a LIST
 * answer, and safe access to the fields of a backend's object.
 */
import { setMaxListeners } from "node:events";
import {
  isValidSecretName,
  type Logger,
  type ReadOptions,
  type SecretRecord,
  type WriteOptions,
} from "@org/secrets-core/provider";
import type { Send, VaultResponse } from "./request.js";

/** The operations a layout offers; the provider checks names and capabilities before calling them. */
export interface Layout {
  get(name: string, options?: ReadOptions): Promise<SecretRecord | undefined>;
  set(name: string, value: string, options?: WriteOptions): Promise<{ version?: string }>;
  delete(name: string, permanent: boolean, signal?: AbortSignal): Promise<boolean>;
  list(signal?: AbortSignal): Promise<string[]>;
  getMany(names: readonly string[], options?: ReadOptions): Promise<Map<string, SecretRecord>>;
  restore(name: string, signal?: AbortSignal): Promise<void>;
}

export interface LayoutOptions {
  send: Send;
  mount: string[];
  prefix: string[];
  logger: Logger;
  concurrency: number;
}

/** A backend's object as string fields, in a null-prototype object: any key (even `__proto__`) is data. */
export function stringMap(map: unknown): Record<string, string> | undefined {
  if (typeof map !== "object" || map === null || Array.isArray(map)) return undefined;
  const out: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(map)) if (typeof value === "string") out[key] = value;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Names of entries in a LIST answer that can be secrets: not folders, valid names. */
export function secretKeys(response: VaultResponse): string[] {
  if (response.status === 404) return [];
  const keys = response.body?.data?.keys;
  if (!Array.isArray(keys)) return [];
  return keys.filter((k): k is string => typeof k === "string" && !k.endsWith("/") && isValidSecretName(k));
}

/** A field the object holds itself, never one inherited from `Object.prototype`. */
export function ownField(fields: object, key: string): unknown {
  return Object.hasOwn(fields, key) ? (fields as Record<string, unknown>)[key] : undefined;
}

/**
 * One read per name, at most `concurrency` in flight; missing names are left
 * out. The first failure stops further reads from starting and aborts the
 * ones in flight (their answers would be thrown away); so does `signal`.
 */
export async function readEach(
  names: readonly string[],
  concurrency: number,
  signal: AbortSignal | undefined,
  get: (name: string, signal: AbortSignal) => Promise<SecretRecord | undefined>,
): Promise<Map<string, SecretRecord>> {
  const unique = [...new Set(names)];
  const records = new Array<SecretRecord | undefined>(unique.length);
  // One listener on the caller's signal; the reads in flight listen to this one.
  const batch = new AbortController();
  setMaxListeners(0, batch.signal);
  const onAbort = () => batch.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      batch.signal.throwIfAborted();
      const index = next++;
      try {
        records[index] = await get(unique[index] as string, batch.signal);
      } catch (error) {
        if (!batch.signal.aborted) batch.abort(error);
        throw error;
      }
    }
  };
  try {
    const workers = Math.max(1, Math.min(concurrency, unique.length));
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  const out = new Map<string, SecretRecord>();
  unique.forEach((name, i) => {
    const record = records[i];
    if (record) out.set(name, record);
  });
  return out;
}
