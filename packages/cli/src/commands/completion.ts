import { COMPLETION_SHELLS, type CompletionShell, completionScript, shellFromPath } from "../completion.js";
import type { CommandContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { ParsedArgs } from "../options.js";
import { UsageError } from "../usage-error.js";

/** `secrets completion [bash|zsh|fish]`: the script for that shell, else for the one `$SHELL` names. */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const shell = typeof args.shell === "string" ? args.shell : shellFromPath(context.env.SHELL);
  if (shell === undefined || !(COMPLETION_SHELLS as readonly string[]).includes(shell))
    throw new UsageError(
      `Cannot tell the shell from $SHELL: name it, as in secrets completion ${COMPLETION_SHELLS.join("|")}`,
      { command: "completion", field: "shell" },
    );
  context.out.data(completionScript(shell as CompletionShell));
  return EXIT.OK;
}
