// Values that have broken secret stores before: the hostile-values group
// round-trips each, and provider authors can reuse them in their own tests.
/** A value that has broken a secret store before, with a label for test names. */
export interface HostileValue {
  readonly label: string;
  readonly value: string;
}

function fourKiB(): string {
  const alphabet =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 #=$:/+-_.,;!?@%&*()[]{}<>|~^";
  let out = "";
  for (let i = 0; out.length < 4096; i++) out += alphabet[(i * 7 + (i >> 3)) % alphabet.length];
  return out;
}

/**
 * Values every provider must store and return byte-for-byte. Each one is
 * representable in every first-party backend, including a dotenv file (so
 * there is, for example, no value holding all three quote characters and a
 * line break at once). The empty string is not here: the suite tests it
 * separately, since a backend may refuse it (with a `SecretError`).
 */
export const hostileValues: ReadonlyArray<HostileValue> = Object.freeze(
  [
    { label: "accented letters", value: "héllo wörld ñ" },
    { label: "CJK", value: "秘密の値" },
    { label: "emoji with joiners", value: "🔑 👩‍👩‍👧 🦄" },
    { label: "right-to-left text", value: "كلمة السر" },
    { label: "combining marks", value: "e\u0301a\u0300" },
    { label: "a newline", value: "line one\nline two" },
    { label: "CRLF", value: "line one\r\nline two" },
    { label: "a lone carriage return", value: "a\rb" },
    { label: "a trailing newline", value: "value\n" },
    { label: "a PEM block", value: "-----BEGIN KEY-----\nMIIB+abc/def==\n-----END KEY-----\n" },
    { label: "a single quote", value: "it's" },
    { label: "double quotes", value: 'say "hello"' },
    { label: "backticks", value: "run `id`" },
    { label: "single and double quotes", value: `it's "quoted"` },
    { label: "all three quote characters", value: `a'b"c\`d` },
    { label: "a value wrapped in double quotes", value: '"wrapped"' },
    { label: "a value wrapped in single quotes", value: "'wrapped'" },
    { label: "a hash", value: "pass#word" },
    { label: "a hash after a space", value: "pass #word" },
    { label: "a leading hash", value: "#comment-like" },
    { label: "a dollar variable", value: "$HOME" },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the point
    { label: "a braced dollar variable", value: "${SECRET_KEY}" },
    { label: "an equals sign", value: "=" },
    { label: "a=b=c", value: "a=b=c" },
    { label: "base64 padding", value: "c2VjcmV0==" },
    { label: "backslashes", value: "C:\\Users\\me\\" },
    { label: "backslash-n as two characters", value: "not\\na newline" },
    { label: "a backslash before a quote", value: "a\\'b" },
    { label: "leading spaces", value: "   leading" },
    { label: "trailing spaces", value: "trailing   " },
    { label: "tabs at both ends", value: "\ttabbed\t" },
    { label: "only spaces", value: "   " },
    { label: "a leading byte order mark", value: "\uFEFFbom-first" },
    { label: "line and paragraph separators", value: "a\u2028b\u2029c" },
    { label: "no-break spaces at both ends", value: "\u00A0nbsp\u00A0" },
    { label: "an escape sequence", value: "a\u001B[31mred\u001B[0m" },
    { label: "control characters", value: "\u0001\u0007\u0008\u000B\u000C\u007F" },
    { label: "JSON", value: '{"user":"app","password":"p@ss:w0rd","list":[1,2]}' },
    { label: "a URL with reserved characters", value: "postgres://app:p%40ss@db:5432/app?ssl=true#x" },
    { label: "a 4 KiB value", value: fourKiB() },
  ].map((entry) => Object.freeze(entry)),
);
