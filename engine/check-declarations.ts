// Stage 2, rules a schema cannot state: a known time zone (E009) and extension declarations
// (E010: URN form, built-in or repeated URNs, aliases that clash, unknown attribute types).

import { didYouMean } from '../dsl/suggest.ts';
import { isPlainObject as isObject } from '../dsl/values.ts';
import { CORE_USER_URN, ENTERPRISE_URN, GROUP_URN, SCIMPLAN_URN, coreUserAttributes, declarableTypes } from './scim-schemas.ts';
import { diag, valueSpan, type Ctx } from './shape-context.ts';
import { isKnownTimeZone, timeZoneHelp } from './time-zones.ts';

const builtinUrns = new Map([
  [CORE_USER_URN.toLowerCase(), 'the core User schema'],
  [ENTERPRISE_URN.toLowerCase(), 'the enterprise extension (alias `enterprise`)'],
  [GROUP_URN.toLowerCase(), 'the core Group schema'],
  [SCIMPLAN_URN.toLowerCase(), "scimplan's own read-only extension"],
]);

export function checkSemantics(ctx: Ctx, data: Record<string, unknown>): void {
  const { loaded } = ctx;
  if (typeof data.timezone === 'string' && !isKnownTimeZone(data.timezone)) {
    diag(ctx, 'E009', `unknown time zone \`${data.timezone}\``, valueSpan(loaded, ['timezone']), { help: timeZoneHelp(data.timezone) });
  }
  if (!Array.isArray(data.schemas)) return;
  const coreNames = new Map(coreUserAttributes.map((a) => [a.name.toLowerCase(), a.name]));
  const urns = new Map<string, number>();
  const aliases = new Map<string, number>();
  data.schemas.forEach((ext, i) => {
    if (!isObject(ext)) return;
    if (typeof ext.urn === 'string') {
      const span = valueSpan(loaded, ['schemas', i, 'urn']);
      const lower = ext.urn.toLowerCase();
      if (!lower.startsWith('urn:')) {
        diag(ctx, 'E010', 'an extension schema id must be a URN starting with `urn:`', span, {
          help: 'write it like `urn:ietf:params:scim:schemas:extension:acme:2.0:User`, as the directory sends it',
        });
      } else if (builtinUrns.has(lower)) {
        diag(ctx, 'E010', `\`${ext.urn}\` is ${builtinUrns.get(lower)}, which is built in`, span, { help: 'remove this entry' });
      } else if (urns.has(lower)) {
        const first = valueSpan(loaded, ['schemas', urns.get(lower)!, 'urn']);
        diag(ctx, 'E010', `extension \`${ext.urn}\` is declared twice`, span, {
          labels: first ? [{ span: first, message: 'first declared here' }] : [],
          help: 'merge the attributes into one entry',
        });
      } else urns.set(lower, i);
    }
    if (typeof ext.alias === 'string' && /^[A-Za-z][A-Za-z0-9_]*$/.test(ext.alias)) {
      const span = valueSpan(loaded, ['schemas', i, 'alias']);
      const lower = ext.alias.toLowerCase();
      if (lower === 'enterprise') {
        diag(ctx, 'E010', 'alias `enterprise` is taken by the enterprise extension', span, { help: 'choose another alias, e.g. the customer name' });
      } else if (coreNames.has(lower)) {
        diag(ctx, 'E010', `alias \`${ext.alias}\` clashes with the core attribute \`${coreNames.get(lower)}\``, span, {
          help: 'choose another alias, e.g. the customer name',
        });
      } else if (aliases.has(lower)) {
        const first = valueSpan(loaded, ['schemas', aliases.get(lower)!, 'alias']);
        diag(ctx, 'E010', `alias \`${ext.alias}\` is used by two extensions`, span, {
          labels: first ? [{ span: first, message: 'first used here' }] : [],
          help: 'give each extension its own alias',
        });
      } else aliases.set(lower, i);
    }
    if (isObject(ext.attributes)) {
      for (const [name, type] of Object.entries(ext.attributes)) {
        if (typeof type !== 'string' || (declarableTypes as readonly string[]).includes(type)) continue;
        const exact = declarableTypes.find((t) => t.toLowerCase() === type.toLowerCase());
        const all = declarableTypes.map((t) => `\`${t}\``).join(', ');
        const help = exact
          ? `write \`${exact}\``
          : type === 'complex'
            ? `declared attributes are single-valued simple types: ${all}`
            : didYouMean(type, declarableTypes) ?? `use one of ${all}`;
        diag(ctx, 'E010', `unknown attribute type \`${type}\` for \`${name}\``, valueSpan(loaded, ['schemas', i, 'attributes', name]), { help });
      }
    }
  });
}
