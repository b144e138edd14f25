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

/**
 * The first bad name or string value in a parsed JSON body, depth first in document order.
 * Iterative, so a deeply nested body cannot exhaust the stack.
 */
export function findBadText(value: unknown, root = ''): BadText | undefined {
  const stack: { value: unknown; where: string }[] = [{ value, where: root }];
  while (stack.length > 0) {
    const { value: current, where } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) return { where: where ? `\`${where}\`` : 'the body', problem };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], where: `${where}[${i}]` });
    } else if (typeof current === 'object' && current !== null) {
      const entries = Object.entries(current);
      for (const [key] of entries) {
        const problem = textProblem(key);
        if (problem) return { where: where ? `a name inside \`${where}\`` : 'a top-level name', problem };
      }
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        stack.push({ value: child, where: where ? `${where}.${key}` : key });
      }
    }
  }
  return undefined;
}
