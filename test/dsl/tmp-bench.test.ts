import { test } from 'vitest';
import { parseExpression } from '../../dsl/parse.ts';
import { compileExpression } from '../../dsl/compile.ts';
import { profileScope, userScope } from './reference-interpreter.ts';
test('bench', () => {
  const depts = ['Sales', 'IT', 'HR', 'Finance', 'Legal'];
  const fns = ['Director', 'CFO', 'Engineer', 'Clerk', null];
  const users = Array.from({ length: 100_000 }, (_, i) => ({ function: fns[i % 5], department: depts[i % 5], email: `u${i}@x.com`, level: i % 7, manager: i % 3 === 0 }));
  const rules: string[] = [];
  for (let i = 0; i < 50; i++) rules.push(i % 2 ? `department eq "${depts[i % 5]}"` : `function in ["Director", "${fns[i % 4]}"] and level ge ${i % 7}`);
  const compiled = rules.map((r) => compileExpression(parseExpression(r).ast, profileScope, 'condition'));
  const hand = rules.map((_, i) => {
    if (i % 2) { const d = depts[i % 5]!.toLowerCase(); return (u: any) => typeof u.department === 'string' && u.department.toLowerCase() === d; }
    const set = new Set(['director', String(fns[i % 4]).toLowerCase()]); const lv = i % 7;
    return (u: any) => typeof u.function === 'string' && set.has(u.function.toLowerCase()) && u.level >= lv;
  });
  const now = new Date();
  for (let round = 0; round < 3; round++) {
    let t = performance.now(); let n = 0;
    for (const u of users) { const ctx = { root: u, now, timezone: 'UTC' }; for (const c of compiled) if (c(ctx)) n++; }
    const tc = performance.now() - t;
    t = performance.now(); let m = 0;
    for (const u of users) { for (const h of hand) if (h(u)) m++; }
    const th = performance.now() - t;
    console.log({ tc, th, ratio: th / tc, n, m });
  }
});
