/**
 * `import()` of a file URL, alone in its own module (a build entry of its
 * own, so that the bundler gives it a chunk of its own): a CommonJS program
 * whose start-up compiles modules from a code cache (the `secrets`
 * executable) must leave every module that calls `import()` to Node, which
 * compiles it without the cache. Kept here, the call costs that only this
 * small file, not the large chunk of core that loads providers.
 */
export function importFileUrl(href: string): Promise<unknown> {
  return import(href);
}
