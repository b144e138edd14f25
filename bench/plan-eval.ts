// Plan evaluation: a tenant with 50 group rules over 100,000 synthetic users, as users/second,
// against the same mapping and rules as hand-written closures (baseline) and json-rules-engine.

import { Engine } from 'json-rules-engine';
import { compileTenantFile } from '../engine/compile-plan.ts';
import { evaluatePlan } from '../engine/evaluate.ts';
import { measure, report } from './measure.ts';
import { rules, tenantYaml, users, type Rule } from './synthetic.ts';

type Profile = { email: string | null; function: string | null; department: string | null; city: string | null; costCenter: string | null };

const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function lowerOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v.toLowerCase() : null;
}

/** The hand-written baseline: what a developer would write for this one tenant. */
function handWritten(rule: Rule): (p: Profile) => boolean {
  switch (rule.kind) {
    case 'eq': {
      const want = rule.value.toLowerCase();
      const field = rule.field;
      return (p) => lowerOrNull(p[field]) === want;
    }
    case 'in': {
      const wants = rule.values.map((v) => v.toLowerCase());
      return (p) => {
        const v = lowerOrNull(p.function);
        return v !== null && wants.includes(v);
      };
    }
    case 'and': {
      const city = rule.city.toLowerCase();
      const prefix = rule.prefix.toLowerCase();
      return (p) => lowerOrNull(p.city) === city && (lowerOrNull(p.department)?.startsWith(prefix) ?? false);
    }
    case 'co': {
      const part = rule.value.toLowerCase();
      return (p) => lowerOrNull(p.costCenter)?.includes(part) ?? false;
    }
  }
}

function handProfile(u: Record<string, unknown>): Profile {
  const emails = u.emails as { type?: string; value?: string }[] | undefined;
  const work = emails?.find((e) => typeof e.type === 'string' && e.type.toLowerCase() === 'work');
  const addresses = u.addresses as { type?: string; locality?: string }[] | undefined;
  const ext = u[enterprise] as Record<string, unknown> | undefined;
  return {
    email: work?.value ?? (u.userName as string) ?? null,
    function: (u.title as string) ?? null,
    department: (ext?.department as string) ?? null,
    city: addresses?.find((a) => typeof a.type === 'string' && a.type.toLowerCase() === 'work')?.locality ?? null,
    costCenter: (ext?.costCenter as string) ?? null,
  };
}

function jsonRule(rule: Rule, i: number) {
  const conditions =
    rule.kind === 'eq'
      ? { all: [{ fact: rule.field, operator: 'equal', value: rule.value }] }
      : rule.kind === 'in'
        ? { all: [{ fact: 'function', operator: 'in', value: [...rule.values] }] }
        : rule.kind === 'and'
          ? { all: [{ fact: 'city', operator: 'equal', value: rule.city }, { fact: 'department', operator: 'startsWith', value: rule.prefix }] }
          : { all: [{ fact: 'costCenter', operator: 'contains', value: rule.value }] };
  return { conditions, event: { type: `G${i}` } };
}

export async function benchPlanEvaluation(userCount = 100_000): Promise<void> {
  const compiled = compileTenantFile('bench.yaml', tenantYaml('bench'));
  if (!compiled.plan) throw new Error(`bench tenant does not compile: ${JSON.stringify(compiled.diagnostics)}`);
  const plan = compiled.plan;
  const population = users(userCount);
  const now = new Date('2026-06-01T00:00:00Z');
  const ruleData = rules(50);
  const closures = ruleData.map(handWritten);

  // The baseline produces the same result as evaluatePlan: key, profile, deactivation, groups.
  const groupNames = ruleData.map((_, i) => `G${i}`);
  const handEvaluate = (u: Record<string, unknown>) => {
    const key = typeof u.externalId === 'string' && u.externalId !== '' ? u.externalId : null;
    const profile = handProfile(u);
    const active = u.active;
    const deactivated = active === false || (typeof active === 'string' && active.toLowerCase() === 'false');
    const groups: string[] = [];
    for (let i = 0; i < closures.length; i++) if (closures[i]!(profile)) groups.push(groupNames[i]!);
    return { key, profile, deactivated, groups };
  };
  let sink = 0;
  const baseline = await measure('hand-written closures', population.length, () => {
    for (const u of population) sink += handEvaluate(u).groups.length;
  });
  const scimplan = await measure('scimplan evaluatePlan', population.length, () => {
    for (const u of population) sink += evaluatePlan(plan, u, now).groups.length;
  });

  // json-rules-engine is asynchronous and far slower; a sample keeps the run short.
  const engine = new Engine([], { allowUndefinedFacts: true });
  ruleData.forEach((r, i) => engine.addRule(jsonRule(r, i)));
  engine.addOperator('startsWith', (a: unknown, b: unknown) => typeof a === 'string' && a.startsWith(String(b)));
  const sample = population.slice(0, 2_000);
  const jre = await measure(
    'json-rules-engine',
    sample.length,
    async () => {
      for (const u of sample) sink += (await engine.run(handProfile(u))).events.length;
    },
    2,
  );
  report(`plan evaluation: 50 group rules, ${userCount.toLocaleString('en-US')} users`, baseline, [scimplan, jre], 'users');
  console.log(`scimplan / hand-written: ${(scimplan.perSecond / baseline.perSecond).toFixed(3)} (target >= 0.5)`);
  console.log(`scimplan / json-rules-engine: ${(scimplan.perSecond / jre.perSecond).toFixed(0)}x (target > 500x)`);
  if (sink < 0) console.log(sink);
}
