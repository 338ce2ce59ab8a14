/*
 * An error line for what goes wrong before or around a command, where core
 * (and main.ts's printError) may not be loaded. Loads nothing.
 */

export interface ErrorLineOptions {
  /** `LOG_FORMAT=json`: one JSON line. */
  readonly json: boolean;
  /** Colour the `Error:` label. */
  readonly color: boolean;
}

/** `Error: <message>`, or one JSON line `{"time","level":"error","msg","code"}`, as the CLI prints errors. */
export function errorLine(message: string, code: string, options: ErrorLineOptions): string {
  if (options.json)
    return `${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: message, code })}\n`;
  return `${options.color ? "\u001b[31mError:\u001b[39m" : "Error:"} ${message}\n`;
}

/** Whether the environment asks for JSON log lines (`LOG_FORMAT=json`). */
export function wantsJsonLines(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.LOG_FORMAT?.trim().toLowerCase() === "json";
}
