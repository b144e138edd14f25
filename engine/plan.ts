// The compiled plan of one tenant file and the result of evaluating it for one SCIM user.
// A Plan is frozen plain data plus closures; it never holds tenant input as code.

import type { Expr } from '../dsl/ast.ts';
import type { Compiled, Scope } from '../dsl/types.ts';

export type { Compiled, EvalContext } from '../dsl/types.ts';

export interface TokenRef {
  readonly sha256?: string;
  readonly env?: string;
}

export interface ExtensionSchema {
  readonly urn: string;
  readonly alias?: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface PlanRule {
  /** The expression source as written in the tenant file. */
  readonly source: string;
  readonly ast: Expr;
  readonly run: Compiled;
}

export interface GroupRule extends PlanRule {
  readonly group: string;
}

export interface TestCase {
  readonly name: string;
  readonly now?: string;
  readonly user: Readonly<Record<string, unknown>>;
  readonly expect: {
    readonly deactivated?: boolean;
    readonly groups?: readonly string[];
    readonly profile?: Readonly<Record<string, unknown>>;
    readonly key?: unknown;
  };
}

/**
 * Everything the server and the CLI need from one tenant file. Invariants: compiled only from
 * a file without errors; `hash` is the sha256 of the file's bytes and identifies the config
 * version in events; `key` is a single-valued attribute path over the SCIM user.
 */
export interface Plan {
  readonly tenant: string;
  readonly hash: string;
  readonly file: string;
  readonly timezone: string;
  readonly tokens: readonly TokenRef[];
  readonly key: PlanRule;
  /** Canonical name of the key attribute, e.g. `externalId` or `userName`. */
  readonly keyAttribute: string;
  readonly profile: readonly (PlanRule & { readonly field: string })[];
  readonly deactivate?: PlanRule & { readonly reactivate: boolean };
  readonly onDelete: 'keep' | 'deactivate';
  readonly groups: readonly GroupRule[];
  readonly schemas: readonly ExtensionSchema[];
  readonly userScope: Scope;
  readonly profileScope: Scope;
  readonly tests: readonly TestCase[];
}

export interface TraceEntry {
  /** `key`, `profile.<field>`, `deactivate.when`, or `groups[<i>] <group>`. */
  readonly clause: string;
  readonly source: string;
  readonly value: unknown;
  /** Sub-expressions in evaluation order: the text of each and the value it had. */
  readonly parts: readonly { readonly source: string; readonly value: unknown }[];
}

export interface Evaluation {
  readonly key: string | null;
  readonly profile: Readonly<Record<string, string | number | boolean | null>>;
  readonly deactivated: boolean;
  readonly groups: readonly string[];
  readonly trace: readonly TraceEntry[];
}
