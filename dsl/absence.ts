// Absence analysis of a checked condition (SPEC §1 rule 3): whether a user can make it hold by
// no longer sending a value, and the clause that then holds. Returns findings, no diagnostics.

import type { Expr, PathExpr } from './ast.ts';
import { analyzeExpression, type Analysis } from './check.ts';
import { filterScope } from './resolve.ts';
import { atomHolds, formulaHolds, modelCondition, searchProduct, type Assignment, type ConditionModel, type Formula, type Variable } from './condition-model.ts';

/**
 * A condition that holds on absence. Invariants: `clause` is a node of the analysed condition
 * (the literal that turned true, or the `not` that negates it); `witness` is a point of the
 * model at which the condition does not hold and `attribute` has a value, while it does hold
 * once `attribute` is missing (opaque clauses at their model values).
 */
export interface AbsenceFinding {
  readonly clause: Expr;
  /** The attribute whose absence makes it hold, as written in the condition. */
  readonly attribute: string;
  /** That attribute's path node in the condition (its first occurrence). */
  readonly path: PathExpr;
  /** For a clause inside a value filter: the attribute as the filter writes it (`type`). */
  readonly inFilter?: string;
  /** Absent when the search was beyond its budget and the clause alone decided. */
  readonly witness?: { readonly variables: readonly Variable[]; readonly before: Assignment; readonly after: Assignment };
}

/**
 * Decides "holds on absence": there is a user U and an attribute `a` that the condition reads,
 * such that the condition is false for U and true for U without `a` (missing: absent or null).
 * Removing several attributes reduces to removing one at a time, so one attribute suffices.
 * Exact over the model of condition-model.ts: simple clauses by their values.ts meaning, every
 * other clause as a free boolean except that it has its real value when all its attributes are
 * missing; so a condition is never passed that a user can make hold by withholding a value.
 * Beyond the search budget it falls back to the clauses alone: a clause that holds on a user
 * who sends none of its attributes is a finding (without a witness). Returns undefined when the
 * condition is value-based.
 */
export function findAbsence(analysis: Analysis): AbsenceFinding | undefined {
  const model = modelCondition(analysis);
  let undecided = false;
  for (let a = 0; a < model.variables.length; a++) {
    const found = absenceThrough(model, a);
    if (found === 'unknown') undecided = true;
    else if (found) return found;
  }
  return (undecided ? clauseOnAbsence(model) : undefined) ?? filterAbsence(analysis);
}

/**
 * A value filter of the condition that picks an element by a sub-attribute it lacks
 * (`emails[type ne "work"] pr` holds once the element stops sending `type`): the model above
 * treats a filtered path as a whole, so each filter is decided again as a condition of its own
 * over the element. Its finding names the sub-attribute under the filtered attribute.
 */
function filterAbsence(analysis: Analysis): AbsenceFinding | undefined {
  for (const resolved of analysis.paths.values()) {
    for (let i = 0; i < resolved.steps.length; i++) {
      const step = resolved.steps[i]!;
      if (!step.filter || step.def.type !== 'complex') continue;
      const found = findAbsence(analyzeExpression(step.filter, filterScope(step.def, analysis.scope), 'condition'));
      if (!found) continue;
      const under = resolved.steps.slice(0, i + 1).map((st) => st.name).join('.');
      return { clause: found.clause, attribute: `${under}.${found.attribute}`, path: found.path, inFilter: found.inFilter ?? found.attribute };
    }
  }
  return undefined;
}

/** The first literal that holds once all the attributes it reads are missing. */
function clauseOnAbsence(model: ConditionModel): AbsenceFinding | undefined {
  for (const l of literalsOf(model.formula)) {
    const atom = model.atoms[l.atom]!;
    const refs = atom.kind === 'simple' ? [atom.variable] : atom.refs;
    const value = atom.kind === 'simple' ? atom.test(null) : atom.falseWithout.length > 0 ? false : atom.onMissing;
    if (refs.length === 0 || value === undefined || value !== l.positive) continue;
    return { clause: l.node, attribute: writtenName(model, refs[0]!), path: model.variables[refs[0]!]!.path };
  }
  return undefined;
}

function literalsOf(f: Formula): Extract<Formula, { kind: 'literal' }>[] {
  return f.kind === 'literal' ? [f] : f.parts.flatMap(literalsOf);
}

function absenceThrough(model: ConditionModel, a: number): AbsenceFinding | 'unknown' | undefined {
  const variables = model.variables;
  const opaque = model.atoms.flatMap((at, i) => (at.kind === 'opaque' ? [i] : []));
  // Opaque clauses reading `a` may change when `a` goes missing: a second, independent boolean.
  const changing = opaque.filter((i) => {
    const at = model.atoms[i]!;
    return at.kind === 'opaque' && at.refs.includes(a);
  });
  const sizes = [...variables.map((v, i) => (i === a ? v.reps.length - 1 : v.reps.length)), ...opaque.map(() => 2), ...changing.map(() => 2)];
  let finding: AbsenceFinding | undefined;
  const verdict = searchProduct(sizes, (index) => {
    const values = variables.map((v, i) => v.reps[i === a ? index[i]! + 1 : index[i]!]);
    const free = model.atoms.map(() => false);
    opaque.forEach((atom, j) => (free[atom] = index[variables.length + j] === 1));
    const before: Assignment = { values, free };
    if (formulaHolds(model, model.formula, before)) return false;
    const freeAfter = [...free];
    changing.forEach((atom, j) => (freeAfter[atom] = index[variables.length + opaque.length + j] === 1));
    const after: Assignment = { values: values.map((v, i) => (i === a ? null : v)), free: freeAfter };
    if (!formulaHolds(model, model.formula, after)) return false;
    const clause = flipped(model, model.formula, before, after);
    finding = { clause: clause.node, attribute: writtenName(model, a), path: variables[a]!.path, witness: { variables, before, after } };
    return true;
  });
  return verdict === 'unknown' ? 'unknown' : finding;
}

/**
 * A literal false before and true after: one exists, since the formula is a positive
 * combination of literals that went from false to true.
 */
function flipped(model: ConditionModel, f: Formula, before: Assignment, after: Assignment): Extract<Formula, { kind: 'literal' }> {
  const literals = literalsOf(f);
  const holds = (l: Extract<Formula, { kind: 'literal' }>, at: Assignment) => atomHolds(model, l.atom, at) === l.positive;
  return literals.find((l) => !holds(l, before) && holds(l, after))!;
}

function writtenName(model: ConditionModel, a: number): string {
  const path = model.variables[a]!.path;
  const steps = path.steps.map((s) => s.name).join('.');
  return path.urn === undefined ? steps : `${path.urn}:${steps}`;
}
