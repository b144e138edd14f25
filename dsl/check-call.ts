// Checking of function calls: known name (E202), arity (E203) and argument types (E204),
// with the usage line each function's help shows. Returns the call's result Type.

import type { Expr, Span } from './ast.ts';
import type { DslCode } from './diagnostic.ts';
import { compileDateFormat } from './date-format.ts';
import { foreignFunctionHelp } from './foreign-functions.ts';
import { foreignSwitch } from './foreign-switch.ts';
import { functionNames, lookupFunction, type ParamKind } from './functions.ts';
import { writtenPath } from './resolve.ts';
import { didYouMean } from './suggest.ts';
import { pickOne, scalarOf, typeName } from './type-names.ts';
import type { Scope, Type } from './types.ts';
import { parseDateTime } from './values.ts';

/** What a call check needs from the checker: typing its arguments and reporting. */
export interface ExprChecker {
  value(expr: Expr, scope: Scope): Type;
  condition(expr: Expr, scope: Scope): Type;
  report(code: DslCode, span: Span, message: string, help?: string): void;
}

const ANY: Type = { kind: 'any' };

export function checkCall(checker: ExprChecker, expr: Extract<Expr, { kind: 'Call' }>, scope: Scope): Type {
  const fn = lookupFunction(expr.name);
  if (!fn) {
    checker.report('E202', expr.nameSpan, `unknown function \`${expr.name}\``, foreignFunctionHelp(expr.name) ?? didYouMean(expr.name, functionNames));
    for (const arg of expr.args) checker.value(arg, scope);
    return ANY;
  }
  const count = expr.args.length;
  let arityOk = true;
  if (count < fn.minArgs) {
    checker.report('E203', expr.span, `\`${fn.name}\` takes ${fn.arity}, got ${count}`, usageHelp(fn.name));
    arityOk = false;
  } else if (count > fn.maxArgs) {
    const extra = expr.args[fn.maxArgs]!;
    const lastArg = expr.args[count - 1]!;
    checker.report('E203', { start: extra.span.start, end: lastArg.span.end }, `\`${fn.name}\` takes ${fn.arity}, got ${count}`, usageHelp(fn.name));
    arityOk = false;
  }
  const types: Type[] = [];
  let argError = false;
  for (let i = 0; i < count; i++) {
    const arg = expr.args[i]!;
    if (i >= fn.maxArgs) {
      checker.value(arg, scope);
      continue;
    }
    const t = argument(checker, fn.name, fn.param(i, count), arg, scope);
    if (t === undefined) argError = true;
    types.push(t ?? ANY);
  }
  if (!arityOk || argError) return ANY;
  const entra = fn.name === 'switch' ? foreignSwitch(expr) : undefined;
  if (entra) checker.report('W208', entra.span, entra.message, entra.help);
  return fn.result(types);
}

/** Checks one argument; undefined after reporting a type error. Picked values count as scalars. */
function argument(checker: ExprChecker, fnName: string, kind: ParamKind, arg: Expr, scope: Scope): Type | undefined {
  if (kind === 'condition') return checker.condition(arg, scope);
  const raw = checker.value(arg, scope);
  const t = scalarOf(raw);
  if (t.kind === 'any' || t.kind === 'null' || kind === 'any') return t;
  const multi = t.kind === 'list' || ('multi' in t && t.multi === true);
  const what = arg.kind === 'Path' ? `\`${writtenPath(arg)}\` is a ${typeName(t)}` : `this is a ${typeName(t)}`;
  const bad = (expected: string, help?: string): undefined => {
    checker.report('E204', arg.span, `\`${fnName}\` needs ${expected} here, ${what}`, help);
    return undefined;
  };
  if (multi) {
    return bad('one value', arg.kind === 'Path' ? pickHelp(arg) : undefined);
  }
  switch (kind) {
    case 'string':
      return t.kind === 'string' || t.kind === 'reference' ? t : bad('a string');
    case 'number':
      return t.kind === 'number' ? t : bad('a number');
    case 'dateTime':
    case 'dateText':
      if (t.kind === 'dateTime') return t;
      if (t.kind === 'string' && arg.kind === 'Literal' && typeof arg.value === 'string') {
        if (Number.isNaN(parseDateTime(arg.value, 'UTC'))) {
          checker.report('E204', arg.span, `\`"${arg.value}"\` is not an ISO 8601 date or date-time`, 'write e.g. `"2026-05-01"` or `"2026-05-01T09:00:00Z"`');
          return undefined;
        }
        return t;
      }
      if (kind === 'dateText' && (t.kind === 'string' || t.kind === 'reference')) return t;
      return bad('a date-time', t.kind === 'string' ? 'convert it first: `date(...)`' : undefined);
    case 'dateFormat':
      if (t.kind !== 'string' && t.kind !== 'reference') return bad('a date format');
      if (arg.kind === 'Literal' && typeof arg.value === 'string' && !compileDateFormat(arg.value)) {
        checker.report('E204', arg.span, `\`"${arg.value}"\` is not a date format: it names \`yyyy\`, \`MM\` (or \`M\`) and \`dd\` (or \`d\`) once each`, 'write e.g. `"dd-MM-yyyy"`, `"yyyyMMdd"` or `"d/M/yyyy HH:mm"`');
        return undefined;
      }
      return t;
    case 'scalar':
      return t.kind === 'complex' || t.kind === 'binary' ? bad('a string, number, boolean or date-time') : t;
  }
}

function pickHelp(path: Extract<Expr, { kind: 'Path' }>): string {
  const root = path.steps[0]!.name;
  const pick = pickOne(root);
  const sub = path.steps.length > 1 ? path.steps.slice(1).map((s) => s.name).join('.') : pick.sub;
  return `pick one element, e.g. \`${root}[type eq "${pick.type}"].${sub}\`, or use \`join\``;
}

const usage: Readonly<Record<string, string>> = {
  lower: 'lower(text)',
  upper: 'upper(text)',
  trim: 'trim(text)',
  concat: 'concat(a, b, ...)',
  join: 'join(separator, a, b, ...)',
  coalesce: 'coalesce(a, b, ...)',
  substring: 'substring(text, start, length?)',
  replace: 'replace(text, find, replacement)',
  split: 'split(text, separator)',
  switch: 'switch(value, key1, result1, ..., default?)',
  if: 'if(condition, then, else?)',
  now: 'now()',
  today: 'today()',
  date: 'date("2026-05-01")',
  addDays: 'addDays(date, days)',
};

function usageHelp(name: string): string | undefined {
  const u = usage[name];
  return u ? `write it as \`${u}\`` : undefined;
}
