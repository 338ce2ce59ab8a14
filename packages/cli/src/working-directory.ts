/**
 * The process's working directory, or why there is none. A directory removed
 * while a shell was in it (`mkdir d; cd d; rmdir ../d`) makes `process.cwd()`
 * throw ENOENT: the command cannot find its manifest or `.env`, and says so
 * in one line instead of a stack trace. Loads nothing.
 */
export function workingDirectory(
  env: Readonly<Record<string, string | undefined>>,
): { readonly cwd: string } | { readonly problem: string } {
  try {
    return { cwd: process.cwd() };
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    // The shell's idea of where it is, when it is a plain absolute path: only to name it.
    const pwd = env.PWD;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a path shown on one line
    const shown = pwd?.startsWith("/") && !/[\u0000-\u001f\u007f]/.test(pwd) ? `: ${pwd.slice(0, 1024)}` : "";
    if (code === "ENOENT")
      return {
        problem: `the current directory no longer exists${shown} (change to an existing directory and run the command again)`,
      };
    const shownCode = typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? ` (${code})` : "";
    return { problem: `the current directory cannot be found${shownCode}${shown}` };
  }
}
