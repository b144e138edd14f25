// IANA time zones for stage 2: whether a tenant's `timezone` is known to ICU, and the help
// that names the zone a consultant probably meant (E009).

import { didYouMean, suggest } from '../dsl/suggest.ts';

let zones: { set: Set<string>; lower: Map<string, string>; list: string[] } | undefined;

function timeZones(): { set: Set<string>; lower: Map<string, string>; list: string[] } {
  if (!zones) {
    const list = [...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC'];
    zones = { set: new Set(list), lower: new Map(list.map((z) => [z.toLowerCase(), z])), list };
  }
  return zones;
}

/** Whether `tz` names an IANA zone (canonical, or a link such as `Asia/Calcutta` that ICU knows). */
export function isKnownTimeZone(tz: string): boolean {
  const z = timeZones();
  if (z.set.has(tz)) return true;
  if (z.lower.has(tz.toLowerCase())) return false; // right zone, wrong case
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return /^[A-Za-z]/.test(tz);
  } catch {
    return false;
  }
}

export function timeZoneHelp(tz: string): string {
  const z = timeZones();
  const exact = z.lower.get(tz.toLowerCase());
  if (exact) return `write \`${exact}\``;
  const near = didYouMean(tz, z.list);
  if (near) return near;
  const city = tz.toLowerCase().replace(/\s+/g, '_');
  const byCity = z.list.filter((zone) => zone.toLowerCase().split('/').pop() === city);
  if (byCity.length > 0) return didYouMeanList(byCity);
  const nearCity = z.list.filter((zone) => suggest(city, [zone.split('/').pop()!]).length > 0);
  if (nearCity.length > 0 && nearCity.length <= 4) return didYouMeanList(nearCity);
  return 'use an IANA time zone name such as `Europe/Amsterdam` or `UTC`';
}

function didYouMeanList(names: readonly string[]): string {
  const near = names.slice(0, 4).map((n) => `\`${n}\``);
  const list = near.length === 1 ? near[0] : `${near.slice(0, -1).join(', ')} or ${near[near.length - 1]}`;
  return `did you mean ${list}?`;
}
