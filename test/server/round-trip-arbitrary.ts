// Test data: generated SCIM User bodies as a client writes them, each paired with what a GET
// must return for it under the documented rules of docs/compatibility.md ("Round trip").
// The pair is built together, so the expectation is never a second canonicaliser.

import fc from 'fast-check';
import type { AttributeDef, Scope } from '../../dsl/types.ts';

/** What a client sends, and what it reads back. */
export interface Sent {
  readonly sent: unknown;
  readonly expected: unknown;
}

const same = (value: unknown): Sent => ({ sent: value, expected: value });

/** Any text PostgreSQL can hold (no NUL; fast-check's `binary` unit never makes lone surrogates). */
export const text = fc.string({ unit: 'binary', maxLength: 10 }).filter((s) => !s.includes('\u0000'));

/** A finite number; -0 is 0, as JSON.stringify sends it. */
const number = fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n));

/** A name written as the schema spells it, or in another case (RFC 7643 §2.1: names are case-insensitive). */
const spelled = (name: string) => fc.constantFrom(name, name.toUpperCase(), name.toLowerCase());

/** Plain JSON values, nulls and empty containers included. */
export const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.boolean(),
    fc.integer(),
    number,
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.stringMatching(/^[a-z][A-Za-z0-9]{0,6}$/), tie('value'), { maxKeys: 3 }),
  ),
})).value;

function scalar(def: AttributeDef): fc.Arbitrary<Sent> {
  switch (def.type) {
    case 'boolean':
      // Entra sends booleans as "True" / "False": read back as booleans.
      return fc.oneof(fc.boolean().map(same), fc.tuple(fc.boolean(), fc.constantFrom('lower', 'upper', 'title')).map(([b, style]) => {
        const word = String(b);
        const sent = style === 'lower' ? word : style === 'upper' ? word.toUpperCase() : `${word[0]!.toUpperCase()}${word.slice(1)}`;
        return { sent, expected: b };
      }));
    case 'integer':
      return fc.oneof(fc.integer().map(same), fc.integer().map((n) => ({ sent: String(n), expected: n })));
    case 'decimal':
      return number.map(same);
    case 'dateTime':
      return fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => same(d.toISOString()));
    case 'complex':
      return complexValue(def.subAttributes ?? []);
    case 'binary':
      // RFC 7643 §2.3.6: base64 (other text is refused).
      return fc.uint8Array({ maxLength: 12 }).map((bytes) => same(Buffer.from(bytes).toString('base64')));
    default:
      return text.map(same);
  }
}

/** Writable definitions only: read-only values are the server's. */
const writable = (defs: readonly AttributeDef[]) => defs.filter((d) => d.mutability !== 'readOnly' && d.mutability !== 'writeOnly');

/** An object of some of `defs`, at least one; `primary` left out (elementList decides it). */
function complexValue(defs: readonly AttributeDef[], skip: readonly string[] = []): fc.Arbitrary<Sent> {
  const usable = writable(defs).filter((d) => !skip.includes(d.name));
  return fc.subarray(usable, { minLength: 1 }).chain((chosen) =>
    fc.tuple(...chosen.map((d) => fc.tuple(spelled(d.name), scalar(d)))).map((entries) => ({
      sent: Object.fromEntries(entries.map(([key, v]) => [key, v.sent])),
      expected: Object.fromEntries(entries.map(([, v], i) => [chosen[i]!.name, v.expected])),
    })),
  );
}

/** A list of 1-3 elements in the order sent; at most one has `primary: true` (RFC 7643 §2.4). */
function elementList(def: AttributeDef): fc.Arbitrary<Sent> {
  const primary = (def.subAttributes ?? []).find((d) => d.name === 'primary');
  const element = def.type === 'complex' ? complexValue(def.subAttributes ?? [], ['primary']) : scalar(def);
  return fc.tuple(fc.array(element, { minLength: 1, maxLength: 3 }), fc.nat(3), fc.boolean()).map(([items, which, withFalse]) => {
    const sent = items.map((i) => i.sent);
    const expected = items.map((i) => i.expected);
    if (primary) {
      items.forEach((_, i) => {
        const flag = i === which ? true : withFalse ? false : undefined;
        if (flag === undefined) return;
        (sent[i] as Record<string, unknown>)['primary'] = flag;
        (expected[i] as Record<string, unknown>)['primary'] = flag;
      });
    }
    return { sent, expected };
  });
}

function attributeValue(def: AttributeDef): fc.Arbitrary<Sent> {
  return def.multiValued ? elementList(def) : scalar(def);
}

/** Some writable attributes of `defs` (minus `skip`), names in any case. */
function attributes(defs: readonly AttributeDef[], skip: readonly string[]): fc.Arbitrary<Sent> {
  const usable = writable(defs).filter((d) => !skip.includes(d.name.toLowerCase()));
  return fc.subarray(usable).chain((chosen) =>
    fc.tuple(...chosen.map((d) => fc.tuple(spelled(d.name), attributeValue(d)))).map((entries) => ({
      sent: Object.fromEntries(entries.map(([key, v]) => [key, v.sent])),
      expected: Object.fromEntries(entries.map(([, v], i) => [chosen[i]!.name, v.expected])),
    })),
  );
}

/**
 * A User body for `scope` without `userName` and `externalId` (`named` adds them): some core
 * attributes, some attributes of each declared extension. `expected` is the body a GET
 * returns minus what the server owns (`id`, `meta`, `schemas`, `groups`, the scimplan extension).
 */
export function userBody(scope: Scope): fc.Arbitrary<Sent> {
  const extensions = scope.namespaces.filter((n) => !n.urn.includes(':scimplan:'));
  return fc
    .tuple(
      attributes(scope.attributes, ['username', 'externalid', 'id', 'password', 'groups']),
      fc.tuple(...extensions.map((n) => attributes(n.attributes, []))),
    )
    .map(([core, exts]) => {
      const sent: Record<string, unknown> = { ...(core.sent as object) };
      const expected: Record<string, unknown> = { ...(core.expected as object) };
      extensions.forEach((n, i) => {
        const ext = exts[i]!;
        if (Object.keys(ext.sent as object).length === 0) return;
        sent[n.urn] = ext.sent;
        expected[n.urn] = ext.expected;
      });
      return { sent, expected };
    });
}

/** `body` with a fresh `userName` and `externalId` (generated names would collide while shrinking). */
export function named(body: Sent, userName: string, externalId: string): { sent: Record<string, unknown>; expected: Record<string, unknown> } {
  return { sent: { userName, externalId, ...(body.sent as object) }, expected: { userName, externalId, ...(body.expected as object) } };
}

/** A GET answer without what the server owns: the part a client wrote. */
export function clientPart(resource: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resource)) {
    if (['id', 'meta', 'schemas', 'groups'].includes(k) || k.includes(':scimplan:')) continue;
    out[k] = v;
  }
  return out;
}
