// Durations of the tenant file (`safety.per`): `30m`, `1h`, `1d` -> milliseconds. Pure.

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds of a duration written as a whole number and one unit (`s`, `m`, `h`, `d`), or
 * undefined when the text has another form. The tenant schema's pattern admits exactly these.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^([1-9][0-9]{0,5})([smhd])$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}
