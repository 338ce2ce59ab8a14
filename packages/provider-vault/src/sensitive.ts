/**
 * `Sensitive`: a credential that prints, logs and serialises as `[REDACTED]`.
 */
const REDACTED = "[REDACTED]";

/**
 * A credential (token, secret id) wrapped so that printing, logging or
 * serialising the object that holds it never shows it. Only `reveal()` does.
 */
export class Sensitive {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The wrapped credential. Call it only where the credential is sent to Vault. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Sensitive(${REDACTED})`;
  }
}

/** The plain string behind a credential given either way. */
export function reveal(credential: string | Sensitive | undefined): string | undefined {
  if (credential === undefined) return undefined;
  return typeof credential === "string" ? credential : credential.reveal();
}
