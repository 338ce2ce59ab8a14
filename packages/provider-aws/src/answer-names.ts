/**
 * Whether an answer is about the secret that was asked for: its `Name` and
 * `ARN` against the id sent, which may be a name or a full or partial ARN.
 */

/** Whether `arn` is the ARN of the secret named `name`: `arn:…:secret:NAME-` and the six characters AWS adds. */
export function arnOf(arn: string, name: string): boolean {
  const at = arn.indexOf(":secret:");
  if (!arn.startsWith("arn:") || at < 0) return false;
  const tail = arn.slice(at + ":secret:".length);
  return tail.length === name.length + 7 && tail.startsWith(`${name}-`);
}

/**
 * Whether an answer carrying `name` and `arn` (either may be missing, not
 * both) is about the secret asked for as `id`. Both present must agree.
 */
export function answersFor(id: string, name: unknown, arn: unknown): boolean {
  if (name !== undefined && typeof name !== "string") return false;
  if (arn !== undefined && typeof arn !== "string") return false;
  if (name === undefined && arn === undefined) return false;
  if (name !== undefined && arn !== undefined && !arnOf(arn, name)) return false;
  if (!id.startsWith("arn:")) return name !== undefined ? name === id : arnOf(arn as string, id);
  // Asked by ARN: the full one, or the partial one without AWS's six characters.
  if (arn !== undefined) return arn === id || (arn.length === id.length + 7 && arn.startsWith(`${id}-`));
  return id.endsWith(`:secret:${name}`) || arnOf(id, name as string);
}
