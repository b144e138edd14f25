// The tenant-file pipeline end to end: parseYaml -> validateShape -> parseExpressions ->
// checkConfig -> compilePlan. Returns a frozen Plan when the file has no errors, and always
// the diagnostics sorted by position.

import { createHash } from 'node:crypto';
import { compileExpression } from '../dsl/compile.ts';
import { compileNextChange, type NextChange } from '../dsl/next-change.ts';
import { checkConfig, type CheckedConfig } from './check-config.ts';
import type { Diagnostic } from './diagnostic.ts';
import { parseYaml } from './load-yaml.ts';
import { parseExpressions, type ParsedConfig } from './parse-expressions.ts';
import type { Plan, PlanRule, TestCase } from './plan.ts';
import { checkTests } from './check-tests.ts';
import { parseDuration } from './duration.ts';
import { sortDiagnostics } from './sort-diagnostics.ts';
import { validateShape, type RawConfig } from './validate-shape.ts';

export interface CompileResult {
  /** Present exactly when no diagnostic is an error. */
  readonly plan?: Plan;
  readonly config?: RawConfig;
  readonly diagnostics: readonly Diagnostic[];
}

export function compileTenantFile(file: string, text: string): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const done = (plan?: Plan, config?: RawConfig): CompileResult => ({
    ...(plan ? { plan } : {}),
    ...(config ? { config } : {}),
    diagnostics: sortDiagnostics(diagnostics),
  });

  const yaml = parseYaml(file, text);
  diagnostics.push(...yaml.diagnostics);
  if (yaml.diagnostics.some((d) => d.code === 'E001')) return done();

  const shape = validateShape(yaml.loaded);
  diagnostics.push(...shape.diagnostics);
  const config = shape.config;
  if (!config) return done();

  const parsed = parseExpressions(yaml.loaded, config);
  diagnostics.push(...parsed.diagnostics);
  const checked = checkConfig(yaml.loaded, config, parsed.parsed);
  diagnostics.push(...checked.diagnostics);
  diagnostics.push(...checkTests(yaml.loaded, config, parsed.parsed));

  if (diagnostics.some((d) => d.severity === 'error')) return done(undefined, config);
  const hash = createHash('sha256').update(text).digest('hex');
  return done(compilePlan(file, hash, config, parsed.parsed, checked.checked), config);
}

/** Compiles a checked config into closures. Callers guarantee there are no errors. */
export function compilePlan(file: string, hash: string, config: RawConfig, parsed: ParsedConfig, checked: CheckedConfig): Plan {
  const { userScope, profileScope } = checked;
  const rule = (expr: ParsedConfig['key'], scope = userScope, expect: 'condition' | 'value' = 'value'): PlanRule => {
    if (!expr) throw new Error('compilePlan called on a config with a missing expression');
    return Object.freeze({ source: expr.source.text, ast: expr.ast, run: compileExpression(expr.ast, scope, expect) });
  };
  const plan: Plan = {
    tenant: config.tenant,
    hash,
    file,
    timezone: config.timezone ?? 'UTC',
    tokens: Object.freeze(config.tokens.map((t) => Object.freeze({ ...t }))),
    key: rule(parsed.key),
    keyAttribute: checked.keyAttribute,
    profile: Object.freeze(parsed.profile.map((p) => Object.freeze({ ...rule(p.expr), field: p.field }))),
    ...(parsed.deactivate
      ? { deactivate: Object.freeze({ ...rule(parsed.deactivate, userScope, 'condition'), reactivate: config.deactivate?.reactivate ?? true, ...nextChangeOf(parsed.deactivate.ast, userScope) }) }
      : {}),
    onDelete: config.onDelete ?? 'keep',
    applyOnChange: config.applyOnChange ?? 'next-sync',
    safety: Object.freeze({
      maxDeactivations: config.safety?.maxDeactivations ?? 25,
      per: config.safety?.per ?? '1h',
      perMs: parseDuration(config.safety?.per ?? '1h') ?? 3_600_000,
    }),
    groups: Object.freeze(parsed.groups.map((g) => Object.freeze({ ...rule(g.expr, profileScope, 'condition'), group: g.group }))),
    schemas: Object.freeze((config.schemas ?? []).map((s) => Object.freeze({ ...s }))),
    userScope,
    profileScope,
    tests: Object.freeze((config.tests ?? []) as readonly TestCase[]),
  };
  return Object.freeze(plan);
}

/** The deactivation condition's next-change function, only when it depends on the clock. */
function nextChangeOf(ast: Plan['key']['ast'], scope: Plan['userScope']): { nextChange?: NextChange } {
  const nextChange = compileNextChange(ast, scope);
  return nextChange ? { nextChange } : {};
}
