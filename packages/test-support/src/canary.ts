/**
 * Canary values: strings that cannot appear by chance in normal output, so
 * finding one anywhere it should not be is proof of a leak.
 */
import { randomBytes } from "node:crypto";

/** A canary secret value of about `length` characters: a recognisable prefix and random letters. */
export function canaryValue(label = "VALUE", length = 48): string {
  const head = `CANARY${label}`;
  const body = randomBytes(Math.max(8, length)).toString("hex").toUpperCase();
  return (head + body).slice(0, Math.max(length, head.length + 8));
}

/** A canary token (OpenBao refuses root token ids with a service-token prefix such as `hvs.`). */
export function canaryToken(): string {
  return `CANARYTOKEN${randomBytes(16).toString("hex")}`;
}

/** Short canaries (1 to 7 characters) of characters no built-in output uses. */
export const SHORT_CANARIES: readonly string[] = ["ǂ", "⁂Ѯ", "ǂѮ⁂", "Ѯ⁂ǂѮ", "ǂ⁂Ѯǂ⁂", "Ѯǂ⁂Ѯǂ⁂", "⁂ѮǂѮ⁂ǂѮ"];

/** A canary of `bytes` UTF-8 bytes or a little more (ASCII, with a unique head). */
export function largeCanary(bytes = 100 * 1024): string {
  const head = canaryValue("LARGE", 40);
  let text = head;
  while (text.length < bytes) text += randomBytes(4096).toString("base64url");
  return text.slice(0, bytes);
}

export interface CanaryLeak {
  /** Where it was found (the caller's label). */
  readonly where: string;
  /** Which canary (its label, never the value). */
  readonly canary: string;
  /** Characters around the hit, with the canary replaced by its label. */
  readonly context: string;
}

/**
 * Looks for every canary in every text. Long canaries are also looked for by
 * their first 24 characters and in their JSON, base64 and URL encodings, so a
 * truncated or encoded copy counts too.
 */
export function findLeaks(
  texts: Readonly<Record<string, string>>,
  canaries: Readonly<Record<string, string>>,
): CanaryLeak[] {
  const leaks: CanaryLeak[] = [];
  for (const [where, text] of Object.entries(texts)) {
    for (const [label, value] of Object.entries(canaries)) {
      for (const form of formsOf(value)) {
        const at = text.indexOf(form);
        if (at < 0) continue;
        const context = text
          .slice(Math.max(0, at - 60), at + form.length + 60)
          .split(form)
          .join(`<${label}>`);
        leaks.push({ where, canary: label, context: context.slice(0, 300) });
        break;
      }
    }
  }
  return leaks;
}

function formsOf(value: string): string[] {
  const forms = new Set<string>([value]);
  if (value.length >= 16) {
    forms.add(value.slice(0, 24));
    forms.add(value.slice(-24));
    forms.add(JSON.stringify(value).slice(1, -1).slice(0, 24));
    forms.add(Buffer.from(value.slice(0, 24)).toString("base64").slice(0, 24));
    forms.add(encodeURIComponent(value).slice(0, 24));
  }
  return [...forms].filter((form) => form.length > 0);
}
