import { describe, expect, it } from "vitest";
import { describeFsError, fsErrorCode } from "../src/provider.js";

const fsError = (code: string) => Object.assign(new Error(`${code}: failed, open '/x'`), { code });

describe("describeFsError", () => {
  it("words the codes that mean the same for every operation", () => {
    expect(describeFsError(fsError("EACCES"))).toBe("permission denied");
    expect(describeFsError(fsError("EPERM"))).toBe("permission denied");
    expect(describeFsError(fsError("EISDIR"))).toBe("it is a directory");
    expect(describeFsError(fsError("ENOTDIR"))).toBe("a part of the path is not a directory");
    expect(describeFsError(fsError("ENOSPC"))).toBe("no space left on the device");
    expect(describeFsError(fsError("EROFS"))).toBe("the file system is read-only");
  });

  it("leaves ENOENT, unknown codes and non-errors to the caller", () => {
    expect(describeFsError(fsError("ENOENT"))).toBeUndefined();
    expect(describeFsError(fsError("EMFILE"))).toBeUndefined();
    expect(describeFsError(new Error("no code"))).toBeUndefined();
    expect(describeFsError("a string")).toBeUndefined();
    expect(describeFsError(undefined)).toBeUndefined();
    expect(describeFsError(fsError("toString"))).toBeUndefined();
  });

  it("takes the caller's words first, and only the codes it asks for", () => {
    const read = { codes: ["ENOENT", "EACCES"], words: { ENOENT: "no such file" } };
    expect(describeFsError(fsError("ENOENT"), read)).toBe("no such file");
    expect(describeFsError(fsError("EACCES"), read)).toBe("permission denied");
    expect(describeFsError(fsError("ENOTDIR"), read)).toBeUndefined();
    expect(
      describeFsError(fsError("ENOTDIR"), { words: { ENOTDIR: "a parent of it is not a directory" } }),
    ).toBe("a parent of it is not a directory");
  });

  it("reads the code of an errno error only", () => {
    expect(fsErrorCode(fsError("ENOENT"))).toBe("ENOENT");
    expect(fsErrorCode(Object.assign(new Error("x"), { code: 5 }))).toBeUndefined();
    expect(fsErrorCode(null)).toBeUndefined();
  });
});
