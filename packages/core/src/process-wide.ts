/**
 * State shared by every copy of core in one process (the ESM and the CommonJS
 * build side by side, or two installed copies): the redaction registry and the
 * default manager. It lives on `globalThis` under one key,
 * `Symbol.for("@org/secrets-core")`, as one slot per piece of state, each slot
 * `{ version, value }`. Nothing is created until first use.
 *
 * The version rule: a slot's version is the version of the shape of the object
 * in it (not the package's version), raised whenever that shape changes in a way
 * an older copy could not use. A copy uses a slot only when its version is the
 * one the copy expects. A copy that finds a slot of another version (an older or
 * newer, incompatible copy made it) leaves it alone and keeps a state of its own,
 * so it never hands an object to code that cannot use it; the price is that the
 * two copies then do not share that piece of state.
 */

const KEY = Symbol.for("@org/secrets-core");

interface Slot {
  readonly version: number;
  readonly value: object;
}

/** What this copy keeps for itself when the shared slot is of another version, or cannot be had. */
const own = new Map<string, object>();

/**
 * The process-wide object called `name`, of shape `version`: the one any copy of
 * core already made, or a new one from `create`.
 */
export function processWide<T extends object>(name: string, version: number, create: () => T): T {
  const slots = sharedSlots();
  if (slots !== undefined) {
    const slot = slots[name];
    if (slot === undefined) {
      const value = create();
      slots[name] = { version, value };
      return value;
    }
    if (typeof slot === "object" && slot !== null && slot.version === version) return slot.value as T;
  }
  let mine = own.get(name) as T | undefined;
  if (mine === undefined) {
    mine = create();
    own.set(name, mine);
  }
  return mine;
}

/** The slots on `globalThis`, made on first use; `undefined` if they cannot be had (a frozen global). */
function sharedSlots(): Record<string, Slot | undefined> | undefined {
  const host = globalThis as Record<symbol, unknown>;
  const found = host[KEY];
  if (typeof found === "object" && found !== null) return found as Record<string, Slot | undefined>;
  if (found !== undefined) return undefined;
  const slots = Object.create(null) as Record<string, Slot | undefined>;
  try {
    Object.defineProperty(host, KEY, { value: slots, configurable: true, writable: false });
  } catch {
    return undefined;
  }
  return slots;
}
