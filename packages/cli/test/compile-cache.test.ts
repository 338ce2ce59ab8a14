import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { enableCompileCache } from "../src/compile-cache.js";

let dir: string;
let calls: Array<string | undefined>;
const enable = (directory?: string) => {
  calls.push(directory);
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "secrets-compile-cache-"));
  calls = [];
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the compile cache", () => {
  it("lives in the user's cache directory, created private (0700)", () => {
    enableCompileCache({ XDG_CACHE_HOME: dir }, enable);
    const expected = path.join(dir, "secrets-cli", "compile-cache");
    expect(calls).toEqual([expected]);
    expect(statSync(expected).mode & 0o777).toBe(0o700);
  });

  it("falls back to ~/.cache when XDG_CACHE_HOME is unset or relative", () => {
    const home = process.env.HOME;
    process.env.HOME = dir;
    try {
      enableCompileCache({ XDG_CACHE_HOME: "relative/cache" }, enable);
    } finally {
      process.env.HOME = home;
    }
    expect(calls).toEqual([path.join(dir, ".cache", "secrets-cli", "compile-cache")]);
  });

  it("is not used when others can write to it, or it is a symbolic link", () => {
    const open = path.join(dir, "open", "secrets-cli", "compile-cache");
    mkdirSync(open, { recursive: true });
    chmodSync(open, 0o777);
    enableCompileCache({ XDG_CACHE_HOME: path.join(dir, "open") }, enable);
    const target = mkdtempSync(path.join(dir, "target-"));
    mkdirSync(path.join(dir, "linked", "secrets-cli"), { recursive: true });
    symlinkSync(target, path.join(dir, "linked", "secrets-cli", "compile-cache"));
    enableCompileCache({ XDG_CACHE_HOME: path.join(dir, "linked") }, enable);
    expect(calls).toEqual([]);
  });

  it("leaves the choice to Node when NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE is set", () => {
    enableCompileCache({ NODE_COMPILE_CACHE: path.join(dir, "mine"), XDG_CACHE_HOME: dir }, enable);
    expect(calls).toEqual([undefined]);
    enableCompileCache({ NODE_DISABLE_COMPILE_CACHE: "1", XDG_CACHE_HOME: dir }, enable);
    expect(calls).toEqual([undefined]);
  });

  it("does nothing on a Node without it, and never throws", () => {
    expect(() => enableCompileCache({ XDG_CACHE_HOME: dir }, undefined)).not.toThrow();
    expect(() =>
      enableCompileCache({ XDG_CACHE_HOME: dir }, () => {
        throw new Error("refused");
      }),
    ).not.toThrow();
    expect(() =>
      enableCompileCache({ XDG_CACHE_HOME: path.join(dir, "no", "such", "home") }, enable),
    ).not.toThrow();
    expect(calls).toEqual([]);
  });
});
