import { describe, expect, it } from "vitest";
import { SecretConflictError } from "../src/index.js";
import { type DocumentBackend, DocumentLayout, type StoredDocument, valueVersion } from "../src/provider.js";

/** A backend with real check-and-set semantics and a write counter. */
class MemoryDocument implements DocumentBackend {
  doc: StoredDocument | undefined;
  writes = 0;
  conflicts = 0;
  async read(): Promise<StoredDocument | undefined> {
    await new Promise((r) => setImmediate(r));
    return this.doc && { fields: { ...this.doc.fields }, version: this.doc.version };
  }
  async write(fields: Record<string, string>, expected: string | undefined): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.doc?.version !== expected) {
      this.conflicts++;
      throw new SecretConflictError(undefined, { provider: "memory", secret: "document" });
    }
    this.writes++;
    this.doc = { fields, version: String(Number(this.doc?.version ?? 0) + 1) };
  }
}

describe("DocumentLayout", () => {
  it("reads, writes, lists and deletes fields of one document", async () => {
    const backend = new MemoryDocument();
    const layout = new DocumentLayout(backend, { provider: "memory", label: "doc" });
    expect(await layout.get("A")).toBeUndefined();
    await layout.set("A", "1");
    await layout.set("B", "2");
    expect((await layout.get("A"))?.value).toBe("1");
    expect([...(await layout.getMany(["A", "B", "C"])).keys()]).toEqual(["A", "B"]);
    expect(await layout.list()).toEqual(["A", "B"]);
    expect(await layout.delete("A")).toBe(true);
    expect(await layout.delete("A")).toBe(false);
    expect(await layout.list()).toEqual(["B"]);
  });

  it("loses no write when many writers race on one document", async () => {
    const backend = new MemoryDocument();
    const layout = new DocumentLayout(backend, { provider: "memory", label: "doc", retries: 50 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => layout.set(`K${i}`, `v${i}`)));
    expect(await layout.list()).toHaveLength(20);
    expect(backend.conflicts).toBeGreaterThan(0);
  });

  it("honours ifAbsent and ifVersion per field", async () => {
    const layout = new DocumentLayout(new MemoryDocument(), { provider: "memory", label: "doc" });
    await layout.set("A", "first", { ifAbsent: true });
    await expect(layout.set("A", "second", { ifAbsent: true })).rejects.toBeInstanceOf(SecretConflictError);
    await expect(layout.set("A", "second", { ifVersion: valueVersion("stale") })).rejects.toBeInstanceOf(
      SecretConflictError,
    );
    await layout.set("A", "second", { ifVersion: valueVersion("first") });
    expect((await layout.get("A"))?.value).toBe("second");
  });

  it("exactly one of many concurrent create-only writers wins", async () => {
    const layout = new DocumentLayout(new MemoryDocument(), {
      provider: "memory",
      label: "doc",
      retries: 50,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => layout.set("ONE", `v${i}`, { ifAbsent: true })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("gives up with a conflict error after its retries", async () => {
    const backend = new MemoryDocument();
    backend.write = async () => {
      throw new SecretConflictError(undefined, { provider: "memory", secret: "document" });
    };
    const layout = new DocumentLayout(backend, { provider: "memory", label: "secret/app", retries: 2 });
    await expect(layout.set("A", "1")).rejects.toThrow(/after 3 attempts: secret\/app/);
  });

  it("version tags do not reveal the value", () => {
    expect(valueVersion("password")).toBe(valueVersion("password"));
    expect(valueVersion("password")).not.toBe(valueVersion("password1"));
    expect(valueVersion("password")).not.toMatch(/^5e884898/); // sha256("password") starts so
  });

  it("round-trips names that are Object.prototype members, through a JSON-stored document", async () => {
    const backend = new JsonDocument();
    const layout = new DocumentLayout(backend, { provider: "memory", label: "doc" });
    const names = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf"];
    for (const name of names) {
      expect(await layout.get(name)).toBeUndefined();
      expect(await layout.delete(name)).toBe(false);
    }
    expect(backend.writes).toBe(0); // deleting what is not there writes nothing
    for (const name of names) await layout.set(name, `value of ${name}`);
    expect(await layout.list()).toEqual([...names].sort());
    for (const name of names) expect((await layout.get(name))?.value).toBe(`value of ${name}`);
    const many = await layout.getMany([...names, "MISSING"]);
    expect([...many.keys()]).toEqual(names);
    expect(JSON.parse(backend.json ?? "{}")).toHaveProperty(["__proto__"], "value of __proto__");
    expect(({} as Record<string, unknown>).toString).toBe(Object.prototype.toString);
    expect(await layout.delete("__proto__")).toBe(true);
    expect(await layout.delete("constructor")).toBe(true);
    expect(await layout.list()).toEqual(["hasOwnProperty", "isPrototypeOf", "toString", "valueOf"]);
    expect(await layout.get("__proto__")).toBeUndefined();
  });

  it("stops retrying a contended write once the caller's signal aborts", async () => {
    const backend = new MemoryDocument();
    const signals: Array<AbortSignal | undefined> = [];
    const controller = new AbortController();
    let attempts = 0;
    backend.write = async (
      _fields: Record<string, string>,
      _expected: string | undefined,
      options?: { signal?: AbortSignal | undefined },
    ) => {
      signals.push(options?.signal);
      if (++attempts === 2) controller.abort(new Error("deadline"));
      throw new SecretConflictError(undefined, { provider: "memory", secret: "document" });
    };
    const layout = new DocumentLayout(backend, { provider: "memory", label: "doc", retries: 50 });
    await expect(layout.set("A", "1", { signal: controller.signal })).rejects.toBeInstanceOf(
      SecretConflictError,
    );
    expect(attempts).toBe(2);
    expect(signals.every((s) => s === controller.signal)).toBe(true);
  });
});

/** A backend that stores the document as JSON text, as a real one does. */
class JsonDocument implements DocumentBackend {
  json: string | undefined;
  version = 0;
  writes = 0;
  async read(): Promise<StoredDocument | undefined> {
    return this.json === undefined
      ? undefined
      : { fields: JSON.parse(this.json) as Record<string, string>, version: String(this.version) };
  }
  async write(fields: Record<string, string>, expected: string | undefined): Promise<void> {
    if ((this.json === undefined ? undefined : String(this.version)) !== expected)
      throw new SecretConflictError(undefined, { provider: "memory", secret: "document" });
    this.writes++;
    this.version++;
    this.json = JSON.stringify(fields);
  }
}
