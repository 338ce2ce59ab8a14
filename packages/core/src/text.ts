/** Text rules every backend shares. */

/**
 * No lone UTF-16 surrogate: the string has a UTF-8 form, so it survives a
 * file, JSON on the wire or any backend unchanged (a lone surrogate would
 * silently become U+FFFD). `String.prototype.isWellFormed` exists on every
 * supported Node.js.
 */
export function isWellFormedText(value: string): boolean {
  return (value as unknown as { isWellFormed(): boolean }).isWellFormed();
}
