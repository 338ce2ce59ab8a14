/** Rotation periods as a manifest writes them (`12h`, `90d`, `2w`), parsed to milliseconds. */
import { SecretConfigError } from "@org/secrets-core";

/** How often a secret should be rotated, as written (`90d`) and in milliseconds. */
export interface RotationPeriod {
  /** The period as written in the manifest: a whole number and a unit, `h`, `d` or `w`. */
  readonly text: string;
  readonly ms: number;
}

const HOUR = 60 * 60 * 1000;
const UNITS: Readonly<Record<string, number>> = { h: HOUR, d: 24 * HOUR, w: 7 * 24 * HOUR };

/** Longest period accepted: 100 years, far beyond any sensible rotation. */
const MAX_PERIOD_MS = 36_525 * 24 * HOUR;

const PERIOD = /^([1-9][0-9]{0,6})([hdw])$/;

/** Parse `12h`, `30d`, `1w`… Throws a `SecretConfigError` that shows the accepted form. */
export function parseRotationPeriod(text: string): RotationPeriod {
  const match = PERIOD.exec(text.trim());
  const amount = match ? Number(match[1]) : Number.NaN;
  const unit = match ? UNITS[match[2] as string] : undefined;
  if (!match || unit === undefined || amount * unit > MAX_PERIOD_MS) {
    throw new SecretConfigError(
      `Invalid rotation period ${JSON.stringify(text)}: use a whole number of hours, days or weeks such as 12h, 30d or 1w`,
      { field: "rotation" },
    );
  }
  return { text: `${amount}${match[2]}`, ms: amount * unit };
}
