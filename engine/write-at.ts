// Engine: one place that writes a value at a checked attribute target in a SCIM user, for the
// login claims (`sso.claims`, engine/login.ts) and the feed mappings (engine/feed-row.ts) alike.
// Case as SCIM compares: attribute names case-insensitively (RFC 7643 §2.1), and the value of a
// list filter (`emails[type eq "work"]`: `type` is not caseExact) case-insensitively too.

import { getAttribute, isPlainObject } from '../dsl/values.ts';
import type { AttributeTarget, ClaimTargetStep } from './plan.ts';

/**
 * Sets `value` at `target` in `user` (changed in place), creating the objects and the picked
 * list element on the way; `undefined` removes what is there (an emptied picked element is
 * dropped from its list, an emptied object from its parent).
 */
export function writeAt(user: Record<string, unknown>, target: AttributeTarget, value: unknown): void {
  const remove = value === undefined;
  const steps = stepsOf(target);
  const path: { node: Record<string, unknown>; name: string; list?: unknown[] }[] = [];
  let node = user;
  for (const [i, step] of steps.entries()) {
    const last = i === steps.length - 1;
    const name = own(node, step.name);
    if (step.match) {
      const existing = node[name];
      if (!Array.isArray(existing) && remove) return;
      const list = Array.isArray(existing) ? existing : (node[name] = []);
      let element = list.find((e): e is Record<string, unknown> => isPlainObject(e) && picks(e, step.match!));
      if (!element) {
        if (remove) return;
        list.push((element = { [step.match.attribute]: step.match.value }));
      }
      path.push({ node, name, list });
      node = element;
      if (last) set(node, 'value', value);
    } else if (last) {
      set(node, name, value);
    } else {
      const existing = node[name];
      if (!isPlainObject(existing) && remove) return;
      path.push({ node, name });
      node = isPlainObject(existing) ? existing : (node[name] = {});
    }
  }
  if (remove) prune(path, node);
}

/** The value at `target` in `user`, undefined when there is none. */
export function readAt(user: Readonly<Record<string, unknown>>, target: AttributeTarget): unknown {
  const steps = stepsOf(target);
  let node: unknown = user;
  for (const step of steps) {
    if (!isPlainObject(node)) return undefined;
    const v = getAt(node, step.name);
    node = step.match ? (Array.isArray(v) ? v.find((e) => isPlainObject(e) && picks(e, step.match!)) : undefined) : v;
    if (step.match && isPlainObject(node) && step === steps[steps.length - 1]) return getAt(node, 'value');
  }
  return node;
}

/** An extension's values live under its URN: the URN is the first step. */
function stepsOf(target: AttributeTarget): readonly ClaimTargetStep[] {
  return target.urn !== undefined ? [{ name: target.urn }, ...target.steps] : target.steps;
}

/** `attribute eq "value"` of a list filter, both compared case-insensitively. */
function picks(element: Record<string, unknown>, match: NonNullable<ClaimTargetStep['match']>): boolean {
  const v = getAttribute(element, match.attribute, match.attribute.toLowerCase());
  return typeof v === 'string' && v.toLowerCase() === match.value.toLowerCase();
}

function getAt(node: Readonly<Record<string, unknown>>, name: string): unknown {
  const v = getAttribute(node, name, name.toLowerCase());
  return v === null ? undefined : v;
}

/** The own key of `node` that spells `name` in any case, or `name` when there is none. */
function own(node: Record<string, unknown>, name: string): string {
  if (Object.hasOwn(node, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(node).find((k) => k.toLowerCase() === lower) ?? name;
}

function set(node: Record<string, unknown>, name: string, value: unknown): void {
  const key = own(node, name);
  if (value === undefined) delete node[key];
  else node[key] = value;
}

/** After a removal: drop the objects and picked elements it left empty, innermost first. */
function prune(path: readonly { node: Record<string, unknown>; name: string; list?: unknown[] }[], leaf: Record<string, unknown>): void {
  let empty: unknown = leaf;
  for (let i = path.length - 1; i >= 0; i--) {
    const { node, name, list } = path[i]!;
    const onlyMatch = list !== undefined && isPlainObject(empty) && Object.keys(empty).length <= 1;
    if (list) {
      if (!onlyMatch) return;
      list.splice(list.indexOf(empty), 1);
      if (list.length > 0) return;
      delete node[name];
    } else {
      if (!isPlainObject(empty) || Object.keys(empty).length > 0) return;
      delete node[name];
    }
    empty = node;
  }
}
