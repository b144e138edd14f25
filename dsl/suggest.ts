// Did-you-mean: near names by edit distance (1 for short names, 2 otherwise), at most four.

/** Optimal string alignment distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}

/** Candidates within the allowed distance of `name`, nearest first, at most four. */
export function suggest(name: string, candidates: Iterable<string>): string[] {
  const limit = name.length <= 4 ? 1 : 2;
  const scored: { name: string; distance: number }[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    if (seen.has(lower) || lower === name.toLowerCase()) continue;
    seen.add(lower);
    const distance = editDistance(name, candidate);
    // A longer or shorter form of the same word (`deactivation` for `deactivate`) counts as near.
    const shorter = Math.min(lower.length, name.length);
    const sameStem = shorter >= 5 && lower.slice(0, shorter - 2) === name.toLowerCase().slice(0, shorter - 2);
    if (distance <= limit) scored.push({ name: candidate, distance });
    else if (sameStem) scored.push({ name: candidate, distance: limit + 1 });
  }
  scored.sort((x, y) => x.distance - y.distance || x.name.localeCompare(y.name));
  return scored.slice(0, 4).map((s) => s.name);
}

/** `did you mean `a`, `b` or `c`?` — or undefined when there is nothing near. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const near = suggest(name, candidates).map((n) => `\`${n}\``);
  if (near.length === 0) return undefined;
  const list = near.length === 1 ? near[0] : `${near.slice(0, -1).join(', ')} or ${near[near.length - 1]}`;
  return `did you mean ${list}?`;
}
