// Server: the text a client sends, checked before anything is stored or queried: a NUL
// character or a lone UTF-16 surrogate in a name or a value -> where it is, else undefined.

/** Why a piece of text cannot be stored: PostgreSQL text and jsonb hold neither. */
export type TextProblem = 'a NUL character' | 'a lone UTF-16 surrogate';

export interface BadText {
  /** Where, as a phrase: `` `emails[0].value` ``, `a name inside `name``, `a top-level name`. Never the text. */
  readonly where: string;
  readonly problem: TextProblem;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The problem of one string, if any. */
export function textProblem(text: string): TextProblem | undefined {
  if (text.includes('\u0000')) return 'a NUL character';
  if (loneSurrogate.test(text)) return 'a lone UTF-16 surrogate';
  return undefined;
}

/** A value waiting to be checked, and how to name where it is (built only for a bad one). */
interface Pending {
  readonly value: unknown;
  readonly parent: Pending | undefined;
  /** The member name or list index that leads from `parent` to `value`. */
  readonly step: string | number;
}

/** `emails[0].value`: the path of `at`, as `findBadText` reports it. */
function whereOf(at: Pending | undefined, root: string): string {
  const steps: (string | number)[] = [];
  for (let p = at; p?.parent; p = p.parent) steps.push(p.step);
  let where = root;
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    where = typeof step === 'number' ? `${where}[${step}]` : where ? `${where}.${step}` : step;
  }
  return where;
}

/**
 * The first bad name or string value in a parsed JSON body, depth first in document order.
 * Iterative, so a deeply nested body cannot exhaust the stack.
 */
export function findBadText(value: unknown, root = ''): BadText | undefined {
  const stack: Pending[] = [{ value, parent: undefined, step: '' }];
  while (stack.length > 0) {
    const at = stack.pop()!;
    const current = at.value;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) {
        const where = whereOf(at, root);
        return { where: where ? `\`${where}\`` : 'the body', problem };
      }
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], parent: at, step: i });
    } else if (typeof current === 'object' && current !== null) {
      const keys = Object.keys(current);
      for (const key of keys) {
        const problem = textProblem(key);
        if (problem) {
          const where = whereOf(at, root);
          return { where: where ? `a name inside \`${where}\`` : 'a top-level name', problem };
        }
      }
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: (current as Record<string, unknown>)[keys[i]!], parent: at, step: keys[i]! });
    }
  }
  return undefined;
}
