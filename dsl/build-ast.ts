// AST-building stage of the expression language: Chevrotain CST -> Expr, plus the diagnostics
// that need the tree's shape (foreign syntax E102, bad strings and numbers E101, list limits E103).

import type { CstNode } from 'chevrotain';
import type { CompareOp, Expr, PathExpr, PathStep, Span } from './ast.ts';
import { bareLiteral, numberLiteral, splitUrn, stringLiteral, type Report } from './build-literal.ts';
import { firstToken, isCstNode, nodes, shown, span, tokens, tokenSpan } from './cst.ts';
import type { DslDiagnostic } from './diagnostic.ts';
import { MAX_CALL_ARGS, MAX_LIST_ITEMS } from './limits.ts';
import { AmpAmp, Bang, PipePipe } from './tokens.ts';

const opByText: Readonly<Record<string, CompareOp>> = {
  eq: 'eq',
  ne: 'ne',
  co: 'co',
  sw: 'sw',
  ew: 'ew',
  gt: 'gt',
  ge: 'ge',
  lt: 'lt',
  le: 'le',
  '==': 'eq',
  '===': 'eq',
  '=': 'eq',
  '!=': 'ne',
  '!==': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
};

const foreignOps: Readonly<Record<string, { message: string; help: string }>> = {
  '===': { message: '`===` is JavaScript syntax', help: 'use `eq` (or `==`)' },
  '!==': { message: '`!==` is JavaScript syntax', help: 'use `ne` (or `!=`)' },
  '=': { message: '`=` is not a comparison operator', help: 'use `eq` (or `==`)' },
};

/** Turns one CST into an AST; one instance per parse (it collects diagnostics). */
export class AstBuilder {
  readonly diagnostics: DslDiagnostic[] = [];

  /** `expect` is where the expression is used: `value` gives `||` the `??` help. */
  constructor(
    private readonly source: string,
    private readonly expect?: 'value' | 'condition',
  ) {}

  private error(at: number): Expr {
    return { kind: 'Error', span: span(at, at) };
  }

  private report(diagnostic: DslDiagnostic): void {
    this.diagnostics.push(diagnostic);
  }

  private readonly reporter: Report = (diagnostic) => this.report(diagnostic);

  build(cst: CstNode | undefined): Expr {
    if (!isCstNode(cst)) return { kind: 'Error', span: span(0, this.source.length) };
    const inner = nodes(cst, 'orExpr')[0];
    return inner ? this.orExpr(inner, 0) : { kind: 'Error', span: span(0, this.source.length) };
  }

  private logical(node: CstNode, at: number, childKey: string, opKey: string, op: 'and' | 'or'): Expr {
    const children = nodes(node, childKey);
    const ops = tokens(node, opKey);
    const sub = (n: CstNode | undefined, pos: number): Expr =>
      n === undefined ? this.error(pos) : op === 'or' ? this.andExpr(n, pos) : this.notExpr(n, pos);
    let left = sub(children[0], at);
    const pipeSpans = ops.filter((t) => t.tokenType === PipePipe).map(tokenSpan);
    for (let i = 0; i < ops.length; i++) {
      const opToken = ops[i]!;
      const opSpan = tokenSpan(opToken);
      const right = sub(children[i + 1], opSpan.end);
      if (opToken.tokenType === AmpAmp || opToken.tokenType === PipePipe) {
        this.report({ code: 'E102', message: `\`${opToken.image}\` is JavaScript syntax`, span: opSpan, help: this.logicalHelp(op, left, right, pipeSpans) });
      }
      left = { kind: 'Logical', op, left, right, opSpan, span: span(left.span.start, right.span.end) };
    }
    return left;
  }

  /** A mapping's `a || b` means a fallback value, written `??`; `or` joins conditions only. */
  private logicalHelp(op: 'and' | 'or', left: Expr, right: Expr, pipeSpans: readonly Span[]): string {
    if (op === 'or' && this.expect === 'value' && left.kind !== 'Error' && right.kind !== 'Error') {
      let fixed = '';
      let at = left.span.start;
      for (const pipes of pipeSpans.filter((p) => p.start >= left.span.start && p.end <= right.span.end)) {
        fixed += `${this.source.slice(at, pipes.start)}??`;
        at = pipes.end;
      }
      fixed += this.source.slice(at, right.span.end);
      return `for a fallback value write \`??\`: \`${shown(fixed)}\` (\`or\` only joins conditions)`;
    }
    return `use \`${op}\``;
  }

  private orExpr(node: CstNode, at: number): Expr {
    return this.logical(node, at, 'andExpr', 'Or', 'or');
  }

  private andExpr(node: CstNode, at: number): Expr {
    return this.logical(node, at, 'notExpr', 'And', 'and');
  }

  private notExpr(node: CstNode, at: number): Expr {
    const notToken = firstToken(node, 'Not') ?? firstToken(node, 'Bang');
    if (notToken === undefined) {
      const comparison = nodes(node, 'comparison')[0];
      return comparison ? this.comparison(comparison, at) : this.error(at);
    }
    const notSpan = tokenSpan(notToken);
    if (notToken.tokenType === Bang) {
      this.report({ code: 'E102', message: '`!` is not an operator here', span: notSpan, help: 'use `not`' });
    }
    const inner = nodes(node, 'notExpr')[0];
    const operand = inner ? this.notExpr(inner, notSpan.end) : this.error(notSpan.end);
    return { kind: 'Not', operand, span: span(notSpan.start, operand.span.end) };
  }

  private comparison(node: CstNode, at: number): Expr {
    const operands = nodes(node, 'coalesce');
    const first = operands[0];
    const left = first ? this.coalesce(first, at, false) : this.error(at);
    const opToken = firstToken(node, 'CompareOp');
    if (opToken !== undefined) {
      const opSpan = tokenSpan(opToken);
      const opText = opToken.image;
      const foreign = foreignOps[opText];
      if (foreign) this.report({ code: 'E102', message: foreign.message, span: opSpan, help: foreign.help });
      const second = operands[1];
      const right = second ? this.coalesce(second, opSpan.end, false) : this.error(opSpan.end);
      return {
        kind: 'Compare',
        op: opByText[opText.toLowerCase()] ?? 'eq',
        left,
        right,
        opText,
        opSpan,
        span: span(left.span.start, right.span.end),
      };
    }
    const pr = firstToken(node, 'Pr');
    if (pr !== undefined) {
      return { kind: 'Present', operand: left, span: span(left.span.start, tokenSpan(pr).end) };
    }
    const inToken = firstToken(node, 'In');
    if (inToken !== undefined) {
      const negated = firstToken(node, 'Not') !== undefined;
      const inEnd = tokenSpan(inToken).end;
      const second = operands[1];
      const list = second ? this.coalesce(second, inEnd, true) : this.error(inEnd);
      return { kind: 'In', negated, operand: left, list, span: span(left.span.start, list.span.end) };
    }
    return left;
  }

  /** `a ?? b ?? c` is right-associative: `a ?? (b ?? c)`. */
  private coalesce(node: CstNode, at: number, listOfIn: boolean): Expr {
    const parts = nodes(node, 'primary');
    const ops = tokens(node, 'Coalesce');
    const built: Expr[] = [];
    let pos = at;
    for (let i = 0; i < Math.max(parts.length, ops.length + 1); i++) {
      const part = parts[i];
      const expr = part ? this.primary(part, pos, listOfIn && parts.length === 1) : this.error(pos);
      built.push(expr);
      const op = ops[i];
      pos = op ? tokenSpan(op).end : expr.span.end;
    }
    let result = built[built.length - 1] ?? this.error(at);
    for (let i = built.length - 2; i >= 0; i--) {
      const left = built[i]!;
      result = { kind: 'Coalesce', left, right: result, span: span(left.span.start, result.span.end) };
    }
    return result;
  }

  private primary(node: CstNode, at: number, listOfIn: boolean): Expr {
    const str = firstToken(node, 'StringLit');
    if (str) return stringLiteral(str, this.reporter);
    const num = firstToken(node, 'NumberLit');
    if (num) return numberLiteral(num, this.reporter);
    const bare = firstToken(node, 'BareValue');
    if (bare) return bareLiteral(bare);
    const date = firstToken(node, 'UnquotedDate');
    if (date) {
      const sp = tokenSpan(date);
      this.report({
        code: 'E101',
        message: `unquoted date \`${date.image}\``,
        span: sp,
        help: `quote it: \`"${date.image}"\``,
      });
      return { kind: 'Literal', value: date.image, span: sp };
    }
    for (const [key, value] of [
      ['True', true],
      ['False', false],
      ['Null', null],
    ] as const) {
      const t = firstToken(node, key);
      if (t) return { kind: 'Literal', value, span: tokenSpan(t) };
    }
    const list = nodes(node, 'list')[0];
    if (list) return this.list(list, at, listOfIn);
    const group = nodes(node, 'group')[0];
    if (group) return this.group(group, at);
    const call = nodes(node, 'call')[0];
    if (call) return this.call(call, at);
    const path = nodes(node, 'path')[0];
    if (path) return this.path(path, at);
    const jsonPath = nodes(node, 'jsonPath')[0];
    if (jsonPath) return this.jsonPath(jsonPath, at);
    return this.error(at);
  }


  private items(node: CstNode, at: number): Expr[] {
    const exprs = nodes(node, 'orExpr');
    const commas = tokens(node, 'Comma');
    const out: Expr[] = [];
    let pos = at;
    for (let i = 0; i < Math.max(exprs.length, commas.length === 0 ? 0 : commas.length + 1); i++) {
      const e = exprs[i];
      const expr = e ? this.orExpr(e, pos) : this.error(pos);
      out.push(expr);
      const comma = commas[i];
      pos = comma ? tokenSpan(comma).end : expr.span.end;
    }
    return out;
  }

  private list(node: CstNode, at: number, listOfIn: boolean): Expr {
    const open = firstToken(node, 'LBracket');
    const close = firstToken(node, 'RBracket');
    const start = open ? tokenSpan(open).start : at;
    const items = this.items(node, open ? tokenSpan(open).end : at);
    const end = close ? tokenSpan(close).end : (items[items.length - 1]?.span.end ?? start + 1);
    const only = items[0];
    if (!listOfIn && items.length === 1 && only?.kind === 'Path' && only.urn === undefined && only.steps.length === 1 && only.steps[0]!.filter === undefined) {
      const name = only.steps[0]!.name;
      this.report({
        code: 'E102',
        message: `\`[${shown(name)}]\` is Entra expression syntax`,
        span: span(start, end),
        help: `write the attribute name without brackets: \`${shown(name)}\``,
      });
      return only;
    }
    if (items.length > MAX_LIST_ITEMS) {
      this.report({
        code: 'E103',
        message: `list has ${items.length} items, more than the limit of ${MAX_LIST_ITEMS}`,
        span: span(items[MAX_LIST_ITEMS]!.span.start, items[items.length - 1]!.span.end),
        help: 'split the list over several rules, or map a shorter field to compare against',
      });
    }
    return { kind: 'List', items, span: span(start, end) };
  }

  private group(node: CstNode, at: number): Expr {
    const open = firstToken(node, 'LParen');
    const close = firstToken(node, 'RParen');
    const start = open ? tokenSpan(open).start : at;
    const innerNode = nodes(node, 'orExpr')[0];
    const inner = innerNode ? this.orExpr(innerNode, open ? tokenSpan(open).end : at) : this.error(open ? tokenSpan(open).end : at);
    const end = close ? tokenSpan(close).end : inner.span.end;
    return { kind: 'Group', inner, span: span(start, end) };
  }

  private call(node: CstNode, at: number): Expr {
    const nameToken = firstToken(node, 'Identifier');
    const open = firstToken(node, 'LParen');
    const close = firstToken(node, 'RParen');
    if (nameToken === undefined) return this.error(at);
    const nameSpan = tokenSpan(nameToken);
    const args = open || close ? this.items(node, open ? tokenSpan(open).end : nameSpan.end) : [];
    const end = close ? tokenSpan(close).end : (args[args.length - 1]?.span.end ?? (open ? tokenSpan(open).end : nameSpan.end));
    if (args.length > MAX_CALL_ARGS) {
      this.report({
        code: 'E103',
        message: `call of \`${shown(nameToken.image)}\` has ${args.length} arguments, more than the limit of ${MAX_CALL_ARGS}`,
        span: span(args[MAX_CALL_ARGS]!.span.start, args[args.length - 1]!.span.end),
        help: 'split the call over several profile fields or nested calls',
      });
    }
    return { kind: 'Call', name: nameToken.image, nameSpan, args, span: span(nameSpan.start, end) };
  }

  private path(node: CstNode, at: number): Expr {
    const stepNodes = nodes(node, 'pathStep');
    let urn: string | undefined;
    const steps: PathStep[] = [];
    let start: number | undefined;
    let end = at;
    for (let i = 0; i < stepNodes.length; i++) {
      const stepNode = stepNodes[i]!;
      const urnToken = firstToken(stepNode, 'Urn');
      const idToken = firstToken(stepNode, 'Identifier');
      const names: PathStep[] = [];
      if (urnToken) {
        const sp = tokenSpan(urnToken);
        start ??= sp.start;
        end = sp.end;
        if (i > 0) {
          this.report({ code: 'E101', message: 'a schema URN can only start an attribute path', span: sp });
          return { kind: 'Error', span: span(start, sp.end) };
        }
        const split = splitUrn(urnToken, this.reporter);
        if (split === undefined) return { kind: 'Error', span: sp };
        urn = split.urn;
        names.push(...split.steps);
      } else if (idToken) {
        const sp = tokenSpan(idToken);
        start ??= sp.start;
        end = sp.end;
        names.push({ name: idToken.image, span: sp });
      } else {
        // Recovery left a step without a name (`a.` at the end): the path is broken from here.
        return { kind: 'Error', span: span(start ?? at, end) };
      }
      const filterNode = nodes(stepNode, 'orExpr')[0];
      const open = firstToken(stepNode, 'LBracket');
      const close = firstToken(stepNode, 'RBracket');
      if (open) {
        const filter = filterNode ? this.orExpr(filterNode, tokenSpan(open).end) : this.error(tokenSpan(open).end);
        end = close ? tokenSpan(close).end : filter.span.end;
        const last = names.pop()!;
        names.push({ name: last.name, span: last.span, filter });
      }
      steps.push(...names);
    }
    if (steps.length === 0 || start === undefined) return this.error(at);
    const result: PathExpr = urn === undefined ? { kind: 'Path', steps, span: span(start, end) } : { kind: 'Path', urn, steps, span: span(start, end) };
    return result;
  }


  private jsonPath(node: CstNode, at: number): Expr {
    const dollar = firstToken(node, 'Dollar');
    const dot = firstToken(node, 'Dot');
    const pathNode = nodes(node, 'path')[0];
    const start = dollar ? tokenSpan(dollar).start : at;
    const prefixEnd = dot ? tokenSpan(dot).end : dollar ? tokenSpan(dollar).end : at;
    const path = pathNode ? this.path(pathNode, prefixEnd) : this.error(prefixEnd);
    const written = this.source.slice(path.span.start, path.span.end);
    this.report({
      code: 'E102',
      message: `\`${this.source.slice(start, prefixEnd)}\` is JSONPath syntax`,
      span: span(start, prefixEnd),
      help: path.kind === 'Path' ? `write the attribute path without \`$.\`: \`${shown(written)}\`` : 'write the attribute path without `$.`',
    });
    return path;
  }
}
