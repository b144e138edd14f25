// Part of stage 4 (check-config): SPEC §1 rule 2 for one profile mapping, read from the checker's
// Analysis. Reports E301-E304 through the caller's reporter: what the mapping's value can be
// derived from (a date, a photo, a certificate, binary data), then whether it is one scalar.

import type { Expr } from '../dsl/ast.ts';
import type { Analysis } from '../dsl/check.ts';
import { printExpression } from '../dsl/print.ts';
import { NO_PROVENANCE, sources, type Source } from '../dsl/provenance.ts';
import { pickOne } from '../dsl/type-names.ts';
import type { Type } from '../dsl/types.ts';
import type { Code } from './catalog.ts';
import type { Diagnostic } from './diagnostic.ts';
import type { ParsedExpression } from './parse-expressions.ts';

/** How check-config reports a diagnostic at a node of one parsed expression. */
export type Reporter = (code: Code, expr: ParsedExpression, node: { span: { start: number; end: number } }, message: string, extra?: Partial<Diagnostic>) => void;

/**
 * SPEC §1 rule 2: dates and photos are never synced; only single scalars can be stored.
 * A mapping whose value can be derived from a date (E301), a photo or certificate (E302) or binary
 * data (E304) is reported at the node that brings that source in (`hr.endDate` inside
 * `concat(hr.endDate, "")`), once per kind; a source inside a span the checker already reported
 * an error at is left to that error. Otherwise a complex or multi-valued value is E303.
 */
export function checkStorable(expr: ParsedExpression, analysis: Analysis, report: Reporter): void {
  const ast = expr.ast;
  const provenance = analysis.provenance.get(ast) ?? NO_PROVENANCE;
  const reported = (node: Expr) =>
    analysis.diagnostics.some((d) => d.code.startsWith('E') && d.span.start < node.span.end && node.span.start < d.span.end);
  let refused = false;
  for (const source of sources) {
    const at = provenance[source];
    if (at === undefined || reported(at)) continue;
    reportSource(source, at, at === ast || unwrap(ast) === at, expr, report);
    refused = true;
  }
  if (refused) return;
  const type = analysis.type;
  const written = printExpression(ast);
  const multi = type.kind === 'list' || ('multi' in type && type.multi === true && !('picked' in type && type.picked));
  if (type.kind === 'complex' && !multi) {
    const subs = type.attribute?.subAttributes?.map((s) => `\`${written}.${s.name}\``) ?? [];
    report('E303', expr, ast, `\`${written}\` is a complex value, not one scalar`, {
      help: subs.length ? `map one sub-attribute, e.g. ${subs.slice(0, 3).join(' or ')}` : 'map one sub-attribute',
    });
  } else if (multi) {
    report('E303', expr, ast, `\`${written}\` is multi-valued, not one scalar`, { help: reduceHelp(ast, type) });
  }
}

function unwrap(e: Expr): Expr {
  return e.kind === 'Group' ? unwrap(e.inner) : e;
}

const keepers = '(`concat`, `lower`, `substring`, `if`, `??`, ...)';

function reportSource(source: Source, at: Expr, whole: boolean, expr: ParsedExpression, report: Reporter): void {
  const written = printExpression(at);
  switch (source) {
    case 'date': {
      const condition = at.kind === 'Path' ? `${written} le now()` : 'hr.endDate le now()';
      report('E301', expr, at, 'dates are never synced to profile fields', {
        notes: [
          whole
            ? 'this mapping yields a date/time; birth dates and other dates stay in the directory'
            : `\`${written}\` is a date/time, and text made from it ${keepers} is still a date; dates stay in the directory`,
        ],
        help: `${whole ? 'remove this mapping' : `take \`${written}\` out of this mapping`}; to act on a date, use a condition such as \`${condition}\` in \`deactivate.when\`, or map a value that such a condition chooses: \`if(${condition}, "left", "active")\``,
      });
      return;
    }
    case 'photo':
    case 'certificate': {
      const what = source === 'photo' ? 'a photo' : 'a certificate';
      report('E302', expr, at, source === 'photo' ? 'profile photos are never synced' : 'certificates cannot be stored in a profile field', {
        ...(whole ? {} : { notes: [`\`${written}\` is ${what}, and text made from it ${keepers} is still ${what}`] }),
        help: 'remove this mapping',
      });
      return;
    }
    case 'binary':
      report('E304', expr, at, 'binary data cannot be stored in a profile field', {
        ...(whole ? {} : { notes: [`\`${written}\` is binary data, and text made from it is still binary data`] }),
        help: 'remove this mapping',
      });
      return;
  }
}

function reduceHelp(ast: Expr, type: Type): string {
  const last = ast.kind === 'Path' ? ast.steps[ast.steps.length - 1] : undefined;
  if (last?.filter && type.kind === 'complex') {
    const sub = type.attribute?.subAttributes?.some((a) => a.name === 'value') ? 'value' : type.attribute?.subAttributes?.[0]?.name;
    if (sub) return `pick one sub-attribute of the matching element: \`${printExpression(ast)}.${sub}\``;
  }
  if (ast.kind === 'Path' && ast.steps.length >= 1) {
    const root = ast.steps[0]!.name;
    const attribute = type.kind === 'complex' ? type.attribute : undefined;
    const hasType = attribute?.subAttributes?.some((s) => s.name === 'type') ?? ['emails', 'phoneNumbers', 'addresses', 'ims', 'groups'].includes(root.toLowerCase());
    if (hasType || ast.steps.length > 1) {
      const pick = pickOne(root);
      const written = ast.steps.length > 1 ? ast.steps.slice(1).map((s) => s.name).join('.') : undefined;
      const all = written === undefined && pick.sub !== 'value' ? `${root}.${pick.sub}` : printExpression(ast);
      return `pick one element with a filter, e.g. \`${root}[type eq "${pick.type}"].${written ?? pick.sub}\`, or join the values: \`join(", ", ${all})\``;
    }
  }
  return `join the values into one string: \`join(", ", ${printExpression(ast)})\``;
}
