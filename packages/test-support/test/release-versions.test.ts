/**
 * Releases version what the changesets ask, and nothing more.
 *
 * Each case copies the workspace's package.json files, pnpm-workspace.yaml and
 * .changeset/config.json into an empty directory with a set of changesets (the
 * repository's own, or a scenario written here), runs the real `changeset
 * version` there and compares every package's new version with what its
 * changesets ask. Core is a 0.x peer dependency of almost every package: a
 * core minor must not turn into a 1.0.0 of each dependent.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../src/tools.js";

type Bump = "patch" | "minor" | "major";

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
}

const root = repoRoot();
const changesetBin = path.join(
  path.dirname(createRequire(path.join(root, "package.json")).resolve("@changesets/cli/package.json")),
  "bin.js",
);

/** Workspace folder (relative to the root) → manifest, for every package the workspace globs hold. */
function workspacePackages(base: string): Map<string, Manifest> {
  const packages = new Map<string, Manifest>();
  for (const group of ["packages", "apps"]) {
    for (const entry of readdirSync(path.join(base, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = `${group}/${entry.name}`;
      try {
        packages.set(dir, JSON.parse(readFileSync(path.join(base, dir, "package.json"), "utf8")) as Manifest);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
  }
  return packages;
}

/** The packages a changeset names, with their bump types (its front matter). */
function parseChangeset(text: string): Map<string, Bump> {
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  const releases = new Map<string, Bump>();
  for (const line of (front?.[1] ?? "").split(/\r?\n/)) {
    const match = /^\s*["']?([^"':\s]+)["']?\s*:\s*(patch|minor|major)\s*$/.exec(line);
    if (match?.[1] && match[2]) releases.set(match[1], match[2] as Bump);
  }
  return releases;
}

const order: Bump[] = ["patch", "minor", "major"];
const larger = (a: Bump | undefined, b: Bump): Bump => (a && order.indexOf(a) > order.indexOf(b) ? a : b);

function increment(version: string, bump: Bump): string {
  const [major = 0, minor = 0, patch = 0] = version.split(".").map(Number);
  if (bump === "major") return `${major + 1}.0.0`;
  if (bump === "minor") return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** `workspace:^` on version v: the caret range of v (0.x: same minor; 0.0.x: same patch). */
function inCaretRange(candidate: string, of: string): boolean {
  const [a = 0, b = 0, c = 0] = of.split(".").map(Number);
  const [x = 0, y = 0, z = 0] = candidate.split(".").map(Number);
  if (a > 0) return x === a && (y > b || (y === b && z >= c));
  if (b > 0) return x === 0 && y === b && z >= c;
  return x === 0 && y === 0 && z === c;
}

/**
 * What the changesets ask, computed without changesets: each named package
 * takes its largest bump; a package whose regular dependency leaves the
 * dependency's caret range gets a patch; a peer dependency on core takes the
 * dependent along only when core reaches 1.0.0 (the top of the peer range).
 */
function expectedVersions(packages: Map<string, Manifest>, changesets: string[]): Map<string, string> {
  const bumps = new Map<string, Bump>();
  for (const text of changesets) {
    for (const [name, bump] of parseChangeset(text)) bumps.set(name, larger(bumps.get(name), bump));
  }
  const byName = new Map([...packages.values()].map((manifest) => [manifest.name, manifest]));
  const next = (name: string): string => {
    const manifest = byName.get(name);
    if (!manifest) throw new Error(`unknown package ${name}`);
    const bump = bumps.get(name);
    return bump ? increment(manifest.version, bump) : manifest.version;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const manifest of byName.values()) {
      if (manifest.private) continue;
      for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
        const target = byName.get(dependency);
        if (!target || range !== "workspace:^") continue;
        if (!inCaretRange(next(dependency), target.version) && !bumps.has(manifest.name)) {
          bumps.set(manifest.name, "patch");
          changed = true;
        }
      }
      for (const dependency of Object.keys(manifest.peerDependencies ?? {})) {
        if (!byName.has(dependency)) continue;
        if (Number(next(dependency).split(".")[0]) >= 1 && bumps.get(manifest.name) !== "major") {
          bumps.set(manifest.name, "major");
          changed = true;
        }
      }
    }
  }
  return new Map([...byName.keys()].map((name) => [name, next(name)]));
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Runs `changeset version` on a copy of the workspace's manifests with these changesets; returns the new manifests. */
function versionWith(changesets: Record<string, string>): Map<string, Manifest> {
  const dir = mkdtempSync(path.join(tmpdir(), "release-versions-"));
  scratch.push(dir);
  for (const file of ["package.json", "pnpm-workspace.yaml"])
    cpSync(path.join(root, file), path.join(dir, file));
  for (const folder of workspacePackages(root).keys()) {
    mkdirSync(path.join(dir, folder), { recursive: true });
    cpSync(path.join(root, folder, "package.json"), path.join(dir, folder, "package.json"));
  }
  mkdirSync(path.join(dir, ".changeset"));
  cpSync(path.join(root, ".changeset", "config.json"), path.join(dir, ".changeset", "config.json"));
  for (const [id, text] of Object.entries(changesets))
    writeFileSync(path.join(dir, ".changeset", `${id}.md`), text);
  const result = spawnSync(process.execPath, [changesetBin, "version"], {
    cwd: dir,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: dir, CI: "true" },
  });
  expect(result.status, result.stderr).toBe(0);
  expect(readdirSync(path.join(dir, ".changeset")).sort()).toEqual(["config.json"]);
  return workspacePackages(dir);
}

function repoChangesets(): Record<string, string> {
  const changesets: Record<string, string> = Object.create(null);
  for (const file of readdirSync(path.join(root, ".changeset"))) {
    if (file.endsWith(".md") && file !== "README.md") {
      changesets[file.slice(0, -3)] = readFileSync(path.join(root, ".changeset", file), "utf8");
    }
  }
  return changesets;
}

const changeset = (releases: Record<string, Bump>, summary = "A change."): string =>
  `---\n${Object.entries(releases)
    .map(([name, bump]) => `"${name}": ${bump}`)
    .join("\n")}\n---\n\n${summary}\n`;

function versionsOf(packages: Map<string, Manifest>): Record<string, string> {
  return Object.fromEntries([...packages.values()].map((manifest) => [manifest.name, manifest.version]));
}

const before = workspacePackages(root);
const published = [...before.entries()].filter(([, manifest]) => !manifest.private);
const current = (name: string): string => {
  const found = [...before.values()].find((manifest) => manifest.name === name);
  if (!found) throw new Error(`unknown package ${name}`);
  return found.version;
};
const unchanged = (): Record<string, string> => versionsOf(before);

describe("changeset version", () => {
  it("versions every package as the repository's changesets ask", () => {
    const changesets = repoChangesets();
    expect(Object.keys(changesets).length).toBeGreaterThan(0);
    const after = versionWith(changesets);
    const expected = expectedVersions(before, Object.values(changesets));
    expect(versionsOf(after)).toEqual(Object.fromEntries(expected));
    // The point of the exercise: no package leaves 0.x because core took a minor.
    for (const manifest of after.values()) {
      if (current(manifest.name).startsWith("0.")) expect(manifest.version, manifest.name).toMatch(/^0\./);
    }
  });

  it("a core minor bumps core alone; every peer range still holds the new core", () => {
    const after = versionWith({ "core-feature": changeset({ "@org/secrets-core": "minor" }) });
    const newCore = increment(current("@org/secrets-core"), "minor");
    expect(versionsOf(after)).toEqual({ ...unchanged(), "@org/secrets-core": newCore });
    for (const manifest of after.values()) {
      const range = manifest.peerDependencies?.["@org/secrets-core"];
      if (range === undefined) continue;
      expect(range, manifest.name).toBe("workspace:>=0.1.0 <1.0.0");
    }
  });

  it("a core patch bumps core alone", () => {
    const after = versionWith({ "core-fix": changeset({ "@org/secrets-core": "patch" }) });
    expect(versionsOf(after)).toEqual({
      ...unchanged(),
      "@org/secrets-core": increment(current("@org/secrets-core"), "patch"),
    });
  });

  it("a provider patch and an initializer minor: those two, and a patch of the CLI that depends on the initializer", () => {
    const after = versionWith({
      "vault-fix": changeset({ "@org/secrets-provider-vault": "patch" }),
      "initializer-feature": changeset({ "@org/secrets-initializer": "minor", "@org/secrets-core": "minor" }),
    });
    expect(versionsOf(after)).toEqual({
      ...unchanged(),
      "@org/secrets-core": increment(current("@org/secrets-core"), "minor"),
      "@org/secrets-initializer": increment(current("@org/secrets-initializer"), "minor"),
      "@org/secrets-provider-vault": increment(current("@org/secrets-provider-vault"), "patch"),
      "@org/secrets-cli": increment(current("@org/secrets-cli"), "patch"),
    });
  });

  it("a core major takes every package that has core as a peer to its next major", () => {
    const after = versionWith({ "core-break": changeset({ "@org/secrets-core": "major" }, "Breaking.") });
    const expected = unchanged();
    for (const manifest of before.values()) {
      if (manifest.name === "@org/secrets-core" || manifest.peerDependencies?.["@org/secrets-core"]) {
        expected[manifest.name] = increment(manifest.version, "major");
      }
    }
    expect(versionsOf(after)).toEqual(expected);
  });
});

describe("published package metadata", () => {
  it("every published package names its repository folder, homepage and issue tracker", () => {
    expect(published.length).toBeGreaterThanOrEqual(8);
    for (const [folder, manifest] of published) {
      expect(manifest.repository, manifest.name).toEqual({
        type: "git",
        url: "git+https://github.com/org/secrets-toolkit.git",
        directory: folder,
      });
      expect(manifest.homepage, manifest.name).toBe(
        `https://github.com/org/secrets-toolkit/tree/main/${folder}#readme`,
      );
      expect(manifest.bugs, manifest.name).toEqual({ url: "https://github.com/org/secrets-toolkit/issues" });
    }
  });

  it("pnpm publishes the core peer range as a plain range every 0.x core satisfies", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "release-pack-"));
    scratch.push(dir);
    const pack = spawnSync("pnpm", ["pack", "--pack-destination", dir], {
      cwd: path.join(root, "packages", "provider-env"),
      encoding: "utf8",
    });
    expect(pack.status, pack.stderr).toBe(0);
    const tarball = readdirSync(dir).find((file) => file.endsWith(".tgz"));
    expect(tarball).toBeDefined();
    const untar = spawnSync("tar", ["-xzf", path.join(dir, tarball ?? ""), "-C", dir], { encoding: "utf8" });
    expect(untar.status, untar.stderr).toBe(0);
    const packed = JSON.parse(readFileSync(path.join(dir, "package", "package.json"), "utf8")) as Manifest;
    expect(packed.peerDependencies).toEqual({ "@org/secrets-core": ">=0.1.0 <1.0.0" });
    expect(packed.repository?.directory).toBe("packages/provider-env");
  });
});
