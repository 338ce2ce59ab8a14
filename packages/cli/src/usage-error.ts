import { SecretConfigError } from "@org/secrets-core";

/**
 * Bad command-line input. A `SecretConfigError` (code `INVALID_CONFIG`, exit 2)
 * whose printed line ends with a pointer to the relevant `--help`.
 */
export class UsageError extends SecretConfigError {
  /** The command whose help to point at; empty for the top level. */
  readonly command: string;
  constructor(message: string, options: { command?: string | undefined; field?: string | undefined } = {}) {
    super(message, options.field === undefined ? {} : { field: options.field });
    this.command = options.command ?? "";
  }

  /** `Run 'secrets set --help' for usage`. */
  get hint(): string {
    return `run 'secrets${this.command ? ` ${this.command}` : ""} --help' for usage`;
  }
}
