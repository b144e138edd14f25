// Synthetic tenants and users for the benchmarks: deterministic, so runs compare.

const departments = ['Sales', 'Finance', 'Engineering', 'Support', 'Legal', 'Marketing', 'HR', 'Operations', 'R&D', 'Board'];
const titles = ['Engineer', 'Director', 'CFO', 'Analyst', 'Manager', 'VP Sales', 'Intern', 'Consultant', 'Architect', 'Clerk'];
const cities = ['Amsterdam', 'Utrecht', 'Rotterdam', 'Berlin', 'Paris', 'London', 'New York', 'Austin', 'Oslo', 'Madrid'];

/** A group rule as data, so the tenant file, the hand-written closures and json-rules-engine agree. */
export type Rule =
  | { readonly kind: 'eq'; readonly field: 'department' | 'city'; readonly value: string }
  | { readonly kind: 'in'; readonly field: 'function'; readonly values: readonly string[] }
  | { readonly kind: 'and'; readonly city: string; readonly prefix: string }
  | { readonly kind: 'co'; readonly field: 'costCenter'; readonly value: string };

export function rules(count = 50): Rule[] {
  return Array.from({ length: count }, (_, i): Rule => {
    switch (i % 4) {
      case 0:
        return { kind: 'eq', field: 'department', value: departments[i % departments.length]! };
      case 1:
        return { kind: 'in', field: 'function', values: [titles[i % titles.length]!, titles[(i + 3) % titles.length]!] };
      case 2:
        return { kind: 'and', city: cities[i % cities.length]!, prefix: departments[(i + 1) % departments.length]!.slice(0, 3) };
      default:
        return { kind: 'co', field: 'costCenter', value: String(i % 10) };
    }
  });
}

export function ruleSource(rule: Rule): string {
  switch (rule.kind) {
    case 'eq':
      return `${rule.field} eq ${JSON.stringify(rule.value)}`;
    case 'in':
      return `${rule.field} in [${rule.values.map((v) => JSON.stringify(v)).join(', ')}]`;
    case 'and':
      return `city eq ${JSON.stringify(rule.city)} and department sw ${JSON.stringify(rule.prefix)}`;
    case 'co':
      return `${rule.field} co ${JSON.stringify(rule.value)}`;
  }
}

export function tenantYaml(name: string, ruleCount = 50): string {
  const groups = rules(ruleCount)
    .map((r, i) => `  - group: G${i}\n    when: ${ruleSource(r).replace(/'/g, "''")}\n`)
    .join('');
  return `tenant: ${name}
tokens:
  - env: BENCH_TOKEN
key: externalId
profile:
  email: emails[type eq "work"].value ?? userName
  function: title
  department: enterprise.department
  city: addresses[type eq "work"].locality
  costCenter: enterprise.costCenter
deactivate:
  when: active eq false
groups:
${groups}`;
}

export function users(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: `user${i}@example.com`,
    externalId: `ext-${i}`,
    active: i % 17 !== 0,
    title: titles[(i * 7) % titles.length],
    emails: [{ type: 'work', value: `User${i}@Example.com`, primary: true }],
    addresses: [{ type: 'work', locality: cities[(i * 3) % cities.length] }],
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
      department: departments[(i * 11) % departments.length],
      costCenter: `CC-${(i * 13) % 1000}`,
    },
  }));
}
