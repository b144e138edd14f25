// Literal and name tokens of the AST-building stage: strings (escapes, unterminated), numbers,
// filter mode's bare values and URN paths -> Expr nodes, reporting E101 through `report`.

import type { IToken } from 'chevrotain';
import type { Expr, LiteralExpr, PathStep } from './ast.ts';
import type { DslDiagnostic } from './diagnostic.ts';
import { shown, span, tokenSpan } from './cst.ts';
import { unterminatedStrings } from './tokens.ts';

/** Receives the diagnostics a token conversion finds. */
export type Report = (diagnostic: DslDiagnostic) => void;

/** A valid attribute name (RFC 7643 ATTRNAME, plus `$ref`). */
const ATTRNAME = /^(?:\$ref|[A-Za-z_][A-Za-z0-9_-]*)$/;
// A bare filter value is a number only when it is a JSON number: `007` stays the text `007`.
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

export function stringLiteral(token: IToken, report: Report): LiteralExpr {
  const tokenSp = tokenSpan(token);
  const open = unterminatedStrings.has(token.tokenType);
  const quote = token.image[0] ?? '"';
  if (open) {
    report({
      code: 'E101',
      message: 'unterminated string',
      span: tokenSp,
      help: `close the string with \`${quote}\``,
    });
  }
  const body = open ? token.image.slice(1) : token.image.slice(1, -1);
  return { kind: 'Literal', value: unescape(body, tokenSp.start + 1, report), span: tokenSp };
}

/** JSON escapes, plus `\'` so that single-quoted strings can contain a quote. */
function unescape(body: string, offset: number, report: Report): string {
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[i + 1];
    switch (e) {
      case '"':
      case "'":
      case '\\':
      case '/':
        out += e;
        i++;
        continue;
      case 'b':
        out += '\b';
        i++;
        continue;
      case 'f':
        out += '\f';
        i++;
        continue;
      case 'n':
        out += '\n';
        i++;
        continue;
      case 'r':
        out += '\r';
        i++;
        continue;
      case 't':
        out += '\t';
        i++;
        continue;
      case 'u': {
        const hex = body.slice(i + 2, i + 6);
        if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          out += String.fromCharCode(parseInt(hex, 16));
          i += 5;
          continue;
        }
        break;
      }
      default:
        break;
    }
    const escapeText = e === undefined ? '\\' : `\\${e}`;
    report({
      code: 'E101',
      message: `invalid escape \`${escapeText}\` in string`,
      span: span(offset + i, offset + i + escapeText.length),
      help: 'write `\\\\` for a backslash; valid escapes are `\\"` `\\\\` `\\/` `\\b` `\\f` `\\n` `\\r` `\\t` `\\uXXXX`',
    });
    out += escapeText;
    i += escapeText.length - 1;
  }
  return out;
}

export function numberLiteral(token: IToken, report: Report): Expr {
  const sp = tokenSpan(token);
  const value = Number(token.image);
  if (!Number.isFinite(value)) {
    report({ code: 'E101', message: `number \`${shown(token.image)}\` is out of range`, span: sp });
    return { kind: 'Error', span: sp };
  }
  return { kind: 'Literal', value, span: sp };
}

/** Filter mode's unquoted value: a number, `true`/`false`/`null`, or else a bare string. */
export function bareLiteral(token: IToken): Expr {
  const sp = tokenSpan(token);
  const text = token.image;
  if (JSON_NUMBER.test(text)) {
    const value = Number(text);
    if (Number.isFinite(value)) return { kind: 'Literal', value, span: sp };
  }
  const lower = text.toLowerCase();
  if (lower === 'true') return { kind: 'Literal', value: true, span: sp };
  if (lower === 'false') return { kind: 'Literal', value: false, span: sp };
  if (lower === 'null') return { kind: 'Literal', value: null, span: sp };
  return { kind: 'Literal', value: text, bare: true, span: sp };
}

/** `urn:...:2.0:User:name.familyName` -> urn up to the last colon, steps `name`, `familyName`. */
export function splitUrn(token: IToken, report: Report): { urn: string; steps: PathStep[] } | undefined {
  const sp = tokenSpan(token);
  const image = token.image;
  const lastColon = image.lastIndexOf(':');
  const urn = image.slice(0, lastColon);
  const rest = image.slice(lastColon + 1);
  if (rest === '') {
    report({
      code: 'E101',
      message: `expected an attribute name after the schema URN \`${shown(urn)}\``,
      span: span(sp.end - 1, sp.end),
      help: 'a URN path ends in `:attributeName`, e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`',
    });
    return undefined;
  }
  const steps: PathStep[] = [];
  let offset = sp.start + lastColon + 1;
  for (const name of rest.split('.')) {
    const stepSpan = span(offset, offset + name.length);
    if (!ATTRNAME.test(name)) {
      report({
        code: 'E101',
        message: name === '' ? 'expected an attribute name after `.`' : `\`${shown(name)}\` is not a valid attribute name`,
        span: name === '' ? span(offset - 1, offset) : stepSpan,
      });
      return undefined;
    }
    steps.push({ name, span: stepSpan });
    offset += name.length + 1;
  }
  return { urn, steps };
}
