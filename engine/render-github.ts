// Renders diagnostics as GitHub Actions workflow commands (`::error file=...::message`).

import type { Diagnostic } from './diagnostic.ts';

const command = { error: 'error', warning: 'warning', info: 'notice' } as const;

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function renderGithub(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const props = [`file=${escapeProperty(d.file)}`];
      if (d.span) {
        props.push(
          `line=${d.span.line}`,
          `col=${d.span.column}`,
          `endLine=${d.span.endLine}`,
          `endColumn=${d.span.endColumn}`,
        );
      }
      props.push(`title=${escapeProperty(d.code)}`);
      const message = [d.message, ...(d.notes ?? []).map((n) => `note: ${n}`), ...(d.help ? [`help: ${d.help}`] : [])].join('\n');
      return `::${command[d.severity]} ${props.join(',')}::${escapeData(message)}\n`;
    })
    .join('');
}
