// Reading the attribute path being typed: the dotted steps before a cursor in an expression's
// text (filters skipped), whether the cursor is in a string, and the filter it is inside.
// Text only: what the steps name is resolved by dsl/resolve.ts.

const identifierChar = /[A-Za-z0-9_$-]/;

/** What stands before the cursor: the steps already written and the partial name being typed. */
export interface PathBefore {
  /** Complete steps before the partial one, in written order (`['enterprise']` in `enterprise.de|`). */
  readonly steps: readonly string[];
  /** The name being typed (possibly empty) and where it starts in the expression's text. */
  readonly partial: string;
  readonly partialStart: number;
  /** Where the whole path starts (its first step). */
  readonly start: number;
}

/** Where the cursor is: in a string literal, or in the filter opened by a `[` at `filterAt`. */
export function cursorState(text: string, at: number): { inString: boolean; filterAt?: number } {
  let quote: string | undefined;
  const brackets: number[] = [];
  for (let i = 0; i < at; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') brackets.push(i);
    else if (c === ']') brackets.pop();
  }
  const filterAt = brackets.at(-1);
  return { inString: quote !== undefined, ...(filterAt !== undefined ? { filterAt } : {}) };
}

/** The path that ends at `at` in `text` (`emails[type eq "work"].va` gives steps `['emails']`, partial `va`). */
export function pathBefore(text: string, at: number): PathBefore {
  let i = at;
  while (i > 0 && identifierChar.test(text[i - 1]!)) i--;
  const partialStart = i;
  const steps: string[] = [];
  let start = partialStart;
  while (i > 0 && text[i - 1] === '.') {
    let j = i - 1;
    if (text[j - 1] === ']') {
      const open = matchingOpen(text, j - 1);
      if (open === undefined) break;
      j = open;
    }
    let k = j;
    while (k > 0 && identifierChar.test(text[k - 1]!)) k--;
    if (k === j) break;
    steps.unshift(text.slice(k, j));
    start = k;
    i = k;
  }
  return { steps, partial: text.slice(partialStart, at), partialStart, start };
}

/** The `[` that the `]` at `close` closes (strings inside the filter skipped), or undefined. */
function matchingOpen(text: string, close: number): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = close; i >= 0; i--) {
    const c = text[i]!;
    if (quote) {
      if (c === quote && text[i - 1] !== '\\') quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ']') depth++;
    else if (c === '[' && --depth === 0) return i;
  }
  return undefined;
}
