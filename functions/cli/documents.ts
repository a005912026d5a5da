import { isCollection, parseAllDocuments, stringify, visit, type Document } from 'yaml';

/**
 * Multi-document input and output. JSON in gives JSON out (one object, or an array of
 * objects); anything else is read as YAML and written as YAML. A YAML document that was not
 * changed is written back byte for byte from its own source (comments, layout, line ends);
 * a changed one is written in YAML 1.1 style, which quotes strings such as "yes", "on" or
 * "NO" that Kubernetes' YAML 1.1 decoder would otherwise read as booleans.
 */

export type Format = 'json' | 'yaml';

export interface InputDocument {
  value: unknown;
  /** The YAML document as it was written, its `---` line and comments included (none for JSON). */
  source?: string;
  /** Whether the source starts with a `---` marker (every document after the first does). */
  marker: boolean;
}

export interface ParsedInput {
  format: Format;
  documents: InputDocument[];
  /** For JSON: whether the input was an array of objects rather than one object. */
  jsonArray: boolean;
}

export type ParseResult = { ok: true; input: ParsedInput } | { ok: false; index: number; message: string };

export interface OutputDocument {
  value: unknown;
  /** Present for a document passed through unchanged. */
  source?: string;
  marker: boolean;
}

export function parseDocuments(text: string): ParseResult {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(text);
      const values = Array.isArray(value) ? value : [value];
      return {
        ok: true,
        input: { format: 'json', jsonArray: Array.isArray(value), documents: values.map((v) => ({ value: v, marker: false })) },
      };
    } catch {
      // Not JSON after all (YAML flow style also starts with `{`): read it as YAML below.
    }
  }
  const parsed = parseAllDocuments(text);
  const list = Array.isArray(parsed) ? parsed : [];
  const documents: InputDocument[] = [];
  for (const [index, doc] of list.entries()) {
    const start = index === 0 ? 0 : (doc.range?.[0] ?? 0);
    const next = list[index + 1];
    const end = next ? next.range[0] : text.length;
    const source = text.slice(start, end);
    const template = unrenderedTemplate(doc, source, text.slice(0, start).split('\n').length - 1);
    if (template) return { ok: false, index, message: template };
    const error = doc.errors[0];
    if (error) return { ok: false, index, message: error.message.split('\n')[0] ?? error.message };
    documents.push({ value: doc.toJS({ maxAliasCount: 100 }), source, marker: /^(?:\s*#[^\n]*\n)*---/.test(source) });
  }
  return { ok: true, input: { format: 'yaml', jsonArray: false, documents } };
}

/**
 * JSON: an array when the one input was an array, the object when there is one, else a `List`
 * (as `kubectl get -o json` prints several objects). YAML: the documents, `---` between them.
 */
export function formatDocuments(format: Format, jsonArray: boolean, outputs: OutputDocument[]): string {
  if (format === 'json') {
    const values = outputs.map((o) => o.value);
    const value = jsonArray ? values : values.length === 1 ? values[0] : { apiVersion: 'v1', kind: 'List', items: values };
    return `${JSON.stringify(value ?? null, null, 2)}\n`;
  }
  let text = '';
  for (const [index, output] of outputs.entries()) {
    if (text.length > 0 && !text.endsWith('\n')) text += '\n';
    if (output.source !== undefined) {
      text += output.source;
      continue;
    }
    if (output.marker || index > 0) text += '---\n';
    text += stringify(output.value, { version: '1.1', lineWidth: 0 });
  }
  return text;
}

/**
 * An unrendered Helm or Go template (`replicas: {{ .Values.replicas }}`): YAML reads `{{ x }}` as
 * a flow mapping whose key is itself a mapping, which no Kubernetes object has (or fails to
 * parse it at all). Written out again it would be garbage, so it is refused, with the line, and
 * the user renders it first. A quoted "{{ x }}" is an ordinary string (Argo Workflows use them).
 */
function unrenderedTemplate(doc: Document.Parsed, source: string, offset: number): string | undefined {
  const line = source.split('\n').findIndex((l) => /\{\{/.test(l.replace(/#.*$/, '')));
  if (line === -1) return undefined;
  let collectionKey = false;
  visit(doc, {
    Pair(_, pair) {
      if (!isCollection(pair.key)) return undefined;
      collectionKey = true;
      return visit.BREAK;
    },
  });
  if (!collectionKey && doc.errors.length === 0) return undefined;
  return `line ${offset + line + 1} looks like an unrendered template ({{ ... }}): render it first (helm template, kustomize build) and inject the result`;
}
