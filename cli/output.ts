// Shared CLI plumbing: output formats, writing to stdout/stderr, and --now parsing.

export type Format = 'text' | 'json' | 'github' | 'sarif';
/** The formats of `lint` and `test`; `explain` prints no diagnostics report, so not SARIF. */
export const formats: readonly Format[] = ['text', 'json', 'github', 'sarif'];
export const explainFormats: readonly Format[] = ['text', 'json', 'github'];

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  readonly color: boolean;
}

export class UsageError extends Error {}

export function parseFormat(value: string, allowed: readonly Format[] = formats): Format {
  if ((allowed as readonly string[]).includes(value)) return value as Format;
  throw new UsageError(`unknown format \`${value}\`; use one of ${allowed.join(', ')}`);
}

export function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--now \`${value}\` is not an ISO 8601 date-time`);
  return date;
}
