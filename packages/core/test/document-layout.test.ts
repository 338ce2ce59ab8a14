import { describe, expect, it } from "vitest";
import {
  type DocumentBackend,
  DocumentLayout,
  SecretConflictError,
  type StoredDocument,
  valueVersion,
} from "../src/index.js";

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
      throw new SecretConflictError("memory", "document");
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
      throw new SecretConflictError("memory", "document");
    };
    const layout = new DocumentLayout(backend, { provider: "memory", label: "secret/app", retries: 2 });
    await expect(layout.set("A", "1")).rejects.toThrow(/after 3 attempts: secret\/app/);
  });

  it("version tags do not reveal the value", () => {
    expect(valueVersion("password")).toBe(valueVersion("password"));
    expect(valueVersion("password")).not.toBe(valueVersion("password1"));
    expect(valueVersion("password")).not.toMatch(/^5e884898/); // sha256("password") starts so
  });
});
