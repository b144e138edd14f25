// `scimplan lsp`: a language server on stdin/stdout for tenant files (vscode-languageserver).
// A thin adapter: diagnostics, completion, hover and definition all come from engine/assist,
// which runs the linter's own stages; this file only converts to and from the protocol.

import { fileURLToPath } from 'node:url';
import {
  CompletionItemKind,
  DiagnosticSeverity,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type CompletionItem,
  type Diagnostic as LspDiagnostic,
} from 'vscode-languageserver/node.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  completionsAt,
  definitionAt,
  diagnosticsOf,
  hoverAt,
  rangeOfSpan,
  type CompletionKind,
  type Range,
} from '../engine/assist/index.ts';
import { createCheckCache, type CheckCache } from '../engine/check-cache.ts';
import { checkTenantFile, type TenantFileCheck } from '../engine/check-tenant-file.ts';
import type { Severity } from '../engine/diagnostic.ts';

const severities: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

const kinds: Record<CompletionKind, CompletionItemKind> = {
  attribute: CompletionItemKind.Field,
  alias: CompletionItemKind.Module,
  function: CompletionItemKind.Function,
  field: CompletionItemKind.Property,
  keyword: CompletionItemKind.Keyword,
};

const lspRange = (r: Range) => ({ start: r.start, end: r.end });

/** The file name diagnostics carry: the path of a `file:` URI, else the URI itself. */
function fileOf(uri: string): string {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
  } catch {
    return uri;
  }
}

/** Serves one client on `input`/`output` until it exits (the library ends the process then). */
export function runLsp(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Promise<number> {
  const connection = createConnection(input, output);
  const documents = new TextDocuments(TextDocument);
  // One check per document version, shared by the requests on that version; each document's
  // check cache lets a change check again only the expressions it changed.
  const checks = new Map<string, { version: number; check: TenantFileCheck; cache: CheckCache }>();
  const checkFor = (document: TextDocument): TenantFileCheck => {
    const cached = checks.get(document.uri);
    if (cached?.version === document.version) return cached.check;
    const cache = cached?.cache ?? createCheckCache();
    const check = checkTenantFile(fileOf(document.uri), document.getText(), cache);
    checks.set(document.uri, { version: document.version, check, cache });
    return check;
  };

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: ['.', '['] },
      hoverProvider: true,
      definitionProvider: true,
    },
    serverInfo: { name: 'scimplan' },
  }));

  const publish = (document: TextDocument) => {
    // The list `scimplan lint` prints for this file (capped the same way), with its ranges.
    const diagnostics: LspDiagnostic[] = diagnosticsOf(checkFor(document)).map(({ diagnostic: d, range }) => ({
      range: lspRange(range),
      severity: severities[d.severity],
      code: d.code,
      source: 'scimplan',
      message: d.message,
      ...(d.labels?.length
        ? { relatedInformation: d.labels.map((l) => ({ location: { uri: document.uri, range: lspRange(rangeOfSpan(l.span)) }, message: l.message })) }
        : {}),
      ...(d.help || d.notes ? { data: { ...(d.help ? { help: d.help } : {}), ...(d.notes ? { notes: d.notes } : {}) } } : {}),
    }));
    void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
  };
  documents.onDidChangeContent((change) => publish(change.document));
  documents.onDidClose((event) => {
    checks.delete(event.document.uri);
    void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
  });

  connection.onCompletion((params): CompletionItem[] => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return [];
    const items = completionsAt(checkFor(document), document.offsetAt(params.position));
    return items.map((item, i) => ({
      label: item.label,
      kind: kinds[item.kind],
      ...(item.detail ? { detail: item.detail } : {}),
      ...(item.documentation ? { documentation: { kind: 'markdown', value: item.documentation } } : {}),
      textEdit: { range: lspRange(item.range), newText: item.label },
      sortText: String(i).padStart(4, '0'),
    }));
  });

  connection.onHover((params) => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return null;
    const hover = hoverAt(checkFor(document), document.offsetAt(params.position));
    return hover ? { contents: { kind: 'markdown', value: hover.markdown }, range: lspRange(hover.range) } : null;
  });

  connection.onDefinition((params) => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return null;
    const range = definitionAt(checkFor(document), document.offsetAt(params.position));
    return range ? { uri: document.uri, range: lspRange(range) } : null;
  });

  documents.listen(connection);
  return new Promise((resolve) => {
    connection.onExit(() => resolve(0));
    connection.listen();
  });
}
