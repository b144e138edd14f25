// Round trip of PATCH (docs/compatibility.md): generated operation sequences, in the dialects
// Entra and Okta send, applied one request at a time; after each one the answer and a GET equal
// a model of RFC 7644 §3.5.2 over what the client wrote.

import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex, uniqueTenant, useTestApp } from './helpers.ts';
import { clientPart, text } from './round-trip-arbitrary.ts';

const tenant = uniqueTenant('roundtrip-patch');
const EXT = 'urn:ietf:params:scim:schemas:extension:rt:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const t = useTestApp(() => [
  `tenant: ${tenant}
tokens: [{ sha256: ${sha256Hex(`secret-${tenant}`)} }]
key: externalId
schemas:
  - urn: ${EXT}
    attributes: { code: string, badge: integer, remote: boolean }
profile:
  email: emails[type eq "work"].value ?? userName
`,
]);

type User = Record<string, unknown>;
type Element = Record<string, unknown>;
/** One PATCH operation as sent, and what it does to the model of the user. */
interface Step {
  readonly op: Record<string, unknown>;
  readonly apply: (user: User) => void;
}

// Types that differ from each other in more than case: a filter `type eq "Work"` matches `work`.
const types = fc.constantFrom('work', 'Home', 'other');
const opName = (name: string) => fc.constantFrom(name, `${name[0]!.toUpperCase()}${name.slice(1)}`);
const single = fc.constantFrom('displayName', 'nickName', 'title', 'locale', 'userType');
const spelled = (name: string) => fc.constantFrom(name, name.toUpperCase());

const emails = (user: User): Element[] => (Array.isArray(user['emails']) ? (user['emails'] as Element[]) : []);
const setEmails = (user: User, list: Element[]) => {
  if (list.length === 0) delete user['emails'];
  else user['emails'] = list;
};
/** RFC 7644 §3.5.2: a value made primary makes the others not primary. */
const onePrimary = (list: Element[], kept: Element) => {
  if (kept['primary'] !== true) return;
  for (const e of list) if (e !== kept && e['primary'] === true) e['primary'] = false;
};
const sameType = (e: Element, type: string) => typeof e['type'] === 'string' && e['type'].toLowerCase() === type.toLowerCase();
const equalElements = (a: Element, b: Element) => Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
const extension = (user: User): Record<string, unknown> => (user[EXT] ??= {}) as Record<string, unknown>;
const dropEmptyExtension = (user: User, urn: string) => {
  if (user[urn] && Object.keys(user[urn] as object).length === 0) delete user[urn];
};

// Values from a small pool too, so that an add often repeats an element already there.
const element = fc.record({ value: fc.oneof({ arbitrary: fc.constantFrom('a@x.example', 'A@x.example'), weight: 3 }, { arbitrary: text, weight: 1 }), type: types, primary: fc.option(fc.boolean(), { nil: undefined }) }, { requiredKeys: ['value', 'type'] });

const steps: fc.Arbitrary<Step> = fc.oneof(
  // Entra: replace one attribute by path (the path in any case).
  fc.tuple(opName('replace'), single, fc.boolean(), text).map(([op, name, upper, value]) => ({
    op: { op, path: upper ? name.toUpperCase() : name, value },
    apply: (u: User) => void (u[name] = value),
  })),
  // Okta: path-less replace of several attributes, `active` as Entra's string too.
  fc.tuple(single, text, fc.boolean(), fc.boolean()).map(([name, value, active, asString]) => ({
    op: { op: 'replace', value: { [name]: value, active: asString ? (active ? 'True' : 'False') : active } },
    apply: (u: User) => {
      u[name] = value;
      u['active'] = active;
    },
  })),
  fc.tuple(opName('remove'), single).map(([op, name]) => ({ op: { op, path: name }, apply: (u: User) => void delete u[name] })),
  fc.tuple(opName('replace'), fc.constantFrom('givenName', 'familyName'), text).map(([op, sub, value]) => ({
    op: { op, path: `name.${sub}`, value },
    apply: (u: User) => void (u['name'] = { ...((u['name'] as object) ?? {}), [sub]: value }),
  })),
  // add to a multi-valued attribute: appended in order, an equal element not twice.
  fc.tuple(opName('add'), fc.array(element, { minLength: 1, maxLength: 2 })).map(([op, added]) => ({
    op: { op, path: 'emails', value: added },
    apply: (u: User) => {
      const list = emails(u);
      for (const raw of added) {
        const e = JSON.parse(JSON.stringify(raw)) as Element;
        if (list.some((x) => equalElements(x, e))) continue;
        list.push(e);
        onePrimary(list, e);
      }
      setEmails(u, list);
    },
  })),
  // Entra: replace a value picked by a value filter; no match adds the element.
  fc.tuple(opName('replace'), types, text).map(([op, type, value]) => ({
    op: { op, path: `emails[type eq "${type}"].value`, value },
    apply: (u: User) => {
      const list = emails(u);
      const matched = list.filter((e) => sameType(e, type));
      if (matched.length === 0) list.push({ type, value });
      for (const e of matched) e['value'] = value;
      setEmails(u, list);
    },
  })),
  fc.tuple(opName('remove'), types).map(([op, type]) => ({
    op: { op, path: `emails[type eq "${type}"]` },
    apply: (u: User) => setEmails(u, emails(u).filter((e) => !sameType(e, type))),
  })),
  // Extension attributes by full URN path, typed values sent as strings.
  fc.tuple(opName('add'), fc.integer(), fc.boolean()).map(([op, badge, asText]) => ({
    op: { op, path: `${EXT}:badge`, value: asText ? String(badge) : badge },
    apply: (u: User) => void (extension(u)['badge'] = badge),
  })),
  fc.tuple(opName('replace'), text).map(([op, code]) => ({
    op: { op, value: { [`${EXT}:code`]: code } },
    apply: (u: User) => void (extension(u)['code'] = code),
  })),
  fc.tuple(opName('remove')).map(([op]) => ({
    op: { op, path: `${EXT}:code` },
    apply: (u: User) => {
      if (u[EXT]) delete (u[EXT] as Record<string, unknown>)['code'];
      dropEmptyExtension(u, EXT);
    },
  })),
  // Entra's manager: a bare id is `{value}`.
  fc.tuple(opName('add'), fc.uuid(), fc.boolean()).map(([op, id, bare]) => ({
    op: { op, path: `${ENTERPRISE}:manager`, value: bare ? id : { value: id } },
    apply: (u: User) => void (((u[ENTERPRISE] ??= {}) as Record<string, unknown>)['manager'] = { value: id }),
  })),
);

describe('round trip of PATCH', () => {
  it('after each PATCH of a generated sequence, the answer and a GET equal the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(element, { maxLength: 3 }), fc.array(fc.array(steps, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), spelled('Operations'), async (start, requests, operations) => {
        const first = start.map((e) => JSON.parse(JSON.stringify(e)) as Element);
        // At most one primary to start with (RFC 7643 §2.4).
        first.forEach((e, i) => i > 0 && e['primary'] === true && (e['primary'] = false));
        const model: User = { userName: `rtp-${randomUUID()}`, externalId: randomUUID(), ...(first.length > 0 ? { emails: first } : {}) };
        const created = await t.scim(tenant, 'POST', '/Users', model);
        expect(created.statusCode, created.body).toBe(201);
        const id = created.json().id as string;
        for (const ops of requests) {
          const patched = await t.scim(tenant, 'PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], [operations]: ops.map((s) => s.op) });
          expect(patched.statusCode, patched.body).toBe(200);
          for (const step of ops) step.apply(model);
          expect(clientPart(patched.json())).toEqual(model);
          expect(clientPart((await t.scim(tenant, 'GET', `/Users/${id}`)).json())).toEqual(model);
        }
      }),
      { numRuns: 30, ...(process.env["ROUND_TRIP_SEED"] ? { seed: Number(process.env["ROUND_TRIP_SEED"]) } : {}) },
    );
  });
});

describe('PATCH add of a value already there (RFC 7644 §3.5.2.1)', () => {
  it('is no change, whatever the member order of the element the client sends again', async () => {
    const created = await t.scim(tenant, 'POST', '/Users', { userName: `dup-${randomUUID()}`, externalId: randomUUID(), emails: [{ value: 'a@x.example', type: 'work', primary: true }] });
    const id = created.json().id as string;
    for (const again of [{ value: 'a@x.example', type: 'work', primary: true }, { primary: true, type: 'work', value: 'a@x.example' }]) {
      const patched = await t.scim(tenant, 'PATCH', `/Users/${id}`, { Operations: [{ op: 'add', path: 'emails', value: [again] }] });
      expect(patched.json().emails).toEqual([{ value: 'a@x.example', type: 'work', primary: true }]);
    }
    // Written differently (case of a value) is another value, kept as written.
    const other = await t.scim(tenant, 'PATCH', `/Users/${id}`, { Operations: [{ op: 'add', path: 'emails', value: [{ value: 'A@x.example', type: 'work' }] }] });
    expect(other.json().emails).toEqual([{ value: 'a@x.example', type: 'work', primary: true }, { value: 'A@x.example', type: 'work' }]);
  });
});
