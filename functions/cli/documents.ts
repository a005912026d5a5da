import { parseAllDocuments, stringify } from 'yaml';

/**
 * Multi-document input and output. JSON in gives JSON out (one object, or an array of
 * objects); anything else is read as YAML and written as YAML, documents separated by `---`.
 * Documents that were not changed are written back from their own source, comments included.
 */

export type Format = 'json' | 'yaml';

export interface InputDocument {
  value: unknown;
  /** The document as it was written, for passing it through untouched. */
  source: string;
}

export interface ParsedInput {
  format: Format;
  documents: InputDocument[];
  /** For JSON: whether the input was an array of objects rather than one object. */
  jsonArray: boolean;
}

export type ParseResult = { ok: true; input: ParsedInput } | { ok: false; index: number; message: string };

export function parseDocuments(text: string): ParseResult {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(text);
      const values = Array.isArray(value) ? value : [value];
      return {
        ok: true,
        input: { format: 'json', jsonArray: Array.isArray(value), documents: values.map((v) => ({ value: v, source: JSON.stringify(v, null, 2) })) },
      };
    } catch {
      // Not JSON after all (YAML flow style also starts with `{`): read it as YAML below.
    }
  }
  const documents: InputDocument[] = [];
  const parsed = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(parsed) ? parsed : [];
  for (const [index, doc] of list.entries()) {
    const error = doc.errors[0];
    if (error) return { ok: false, index, message: error.message.split('\n')[0] ?? error.message };
    if (doc.contents === null && doc.commentBefore == null && doc.comment == null) continue;
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    // The separator is written between documents by formatDocuments, not by each document.
    doc.directives.docStart = null;
    documents.push({ value, source: doc.toString() });
  }
  return { ok: true, input: { format: 'yaml', jsonArray: false, documents } };
}

export function formatDocuments(format: Format, jsonArray: boolean, outputs: Array<{ value: unknown; source?: string }>): string {
  if (format === 'json') {
    const values = outputs.map((o) => o.value);
    return `${JSON.stringify(jsonArray ? values : values[0] ?? null, null, 2)}\n`;
  }
  return outputs.map((o) => o.source ?? stringify(o.value, { lineWidth: 0 })).map((s) => (s.endsWith('\n') ? s : `${s}\n`)).join('---\n');
}
