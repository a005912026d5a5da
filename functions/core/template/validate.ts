/**
 * Is a sidecar template usable? A template is a fragment of a PodSpec (initContainers, containers,
 * volumes, imagePullSecrets) written by the operator; the injector merges it into every pod, so
 * anything the API server would refuse, drop or change must be caught here, once, at start.
 *
 * Two stages:
 * 1. Shape: types and field names, against the strict JSON Schema generated from Kubernetes'
 *    own OpenAPI document (schema/pod-fragment.schema.json, compiled ahead of time by ajv into
 *    schema/pod-fragment.validator.gen.ts). The API server refuses a wrongly typed field
 *    ("cannot unmarshal") and drops an unknown one silently; both are refused here with the path,
 *    the expected type and the fix ("did you mean ...").
 * 2. Rules: what validation.go checks beyond types (validate-rules.ts), run only on a document
 *    of the right shape.
 *
 * Pure; no I/O. Cold cost (load + first validation of the default template) is a few ms.
 */
import type { ErrorObject } from 'ajv';
import { podFragmentJsonSchema, validatePodFragmentShape } from './schema/pod-fragment.validator.gen.ts';
import { templateRuleProblems } from './validate-rules.ts';

type Obj = { [key: string]: unknown };
type Schema = { [key: string]: unknown };

export interface TemplateValidationOptions {
  /** The sidecar's container name (SIDECAR_NAME): its image comes from the release. */
  sidecarName: string;
}

const TOP_LEVEL = ['initContainers', 'containers', 'volumes', 'imagePullSecrets'];

/** What is wrong with a template; empty when it is usable. Each entry: `<field path>: <problem and fix>`. */
export function podFragmentProblems(doc: unknown, options: TemplateValidationOptions): string[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return [`the template must be an object with some of ${TOP_LEVEL.join(', ')}; got ${kindOf(doc)}`];
  }
  if (!validatePodFragmentShape(doc)) {
    const errors = validatePodFragmentShape.errors ?? [];
    return unique(errors.map((error) => shapeProblem(doc as Obj, error)));
  }
  return unique(templateRuleProblems(doc as Obj, options));
}

function shapeProblem(doc: Obj, error: ErrorObject): string {
  const tokens = pointerTokens(error.instancePath);
  const path = displayPath(doc, tokens);
  const schema = schemaAt(tokens);
  const value = valueAt(doc, tokens);
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((schema?.properties as Schema | undefined) ?? {});
      if (tokens.length === 0) return `${JSON.stringify(field)}: unknown top-level key; a template has ${TOP_LEVEL.join(', ')}${didYouMean(field, known)}`;
      return `${join(path, field)}: unknown field${didYouMean(field, known) || ` (known: ${known.join(', ')})`}`;
    }
    case 'required': {
      const field = String((error.params as { missingProperty: string }).missingProperty);
      return `${join(path, field)}: required`;
    }
    case 'type':
      return `${path || 'template'}: ${typeProblem(schema, value)}`;
    case 'enum': {
      const allowed = ((error.params as { allowedValues?: unknown[] }).allowedValues ?? []).map(String);
      if (value === '') return `${path}: empty; the API server fills in a default: omit it, or one of ${allowed.join(', ')}`;
      const near = typeof value === 'string' ? allowed.find((a) => a.toLowerCase() === value.toLowerCase()) : undefined;
      return `${path}: ${JSON.stringify(value)} is not supported; one of ${allowed.join(', ')}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`;
    }
    case 'minimum':
    case 'maximum':
      return `${path}: ${JSON.stringify(value)} is out of range for ${integerKind(schema)} (${rangeText(schema)})`;
    default:
      return `${path || 'template'}: does not match the Kubernetes schema (${error.keyword})`;
  }
}

function typeProblem(schema: Schema | undefined, value: unknown): string {
  const expected = expectedText(schema);
  const actual = kindOf(value);
  const types = typesOf(schema);
  let fix = '';
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if ((types.includes('integer') && /^[+-]?\d+$/.test(trimmed)) || (types.includes('number') && trimmed !== '' && !Number.isNaN(Number(trimmed)))) fix = `: write ${trimmed} without quotes`;
    else if (types.includes('boolean') && (trimmed === 'true' || trimmed === 'false')) fix = `: write ${trimmed} without quotes`;
    else if (types.includes('array')) fix = `: write it as a list, e.g. [${JSON.stringify(value)}]`;
  } else if ((typeof value === 'number' || typeof value === 'boolean') && types.length === 1 && types[0] === 'string') {
    fix = `: quote it, "${String(value)}"`;
  } else if (typeof value === 'number' && types.includes('integer') && !Number.isInteger(value)) {
    fix = ': write a whole number';
  } else if (value === null) {
    fix = ': remove the key or give a value';
  }
  return `must be ${expected}, not ${actual}${fix}`;
}

function expectedText(schema: Schema | undefined): string {
  const types = typesOf(schema);
  if (types.includes('string') && types.includes('number')) return 'a quantity (a string such as "100m" or "64Mi", or a number)';
  if (types.includes('integer') && types.includes('string')) return 'a port number or a port name';
  const [type] = types;
  switch (type) {
    case 'integer': return `an integer (${integerKind(schema)})`;
    case 'number': return 'a number';
    case 'string': return 'a string';
    case 'boolean': return 'true or false';
    case 'array': return 'a list';
    case 'object': return schema?.properties ? 'an object' : 'a map of names to values';
    default: return 'of another type';
  }
}

function integerKind(schema: Schema | undefined): string {
  return schema?.maximum === 2147483647 ? 'int32' : 'int64';
}

function rangeText(schema: Schema | undefined): string {
  return integerKind(schema) === 'int32' ? '-2147483648 to 2147483647' : 'at most 2^53-1 in magnitude, what a template can hold exactly';
}

function typesOf(schema: Schema | undefined): string[] {
  const type = schema?.type;
  return Array.isArray(type) ? (type as string[]) : typeof type === 'string' ? [type] : [];
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/** The schema node that describes the value at a path (references resolved). */
function schemaAt(tokens: string[]): Schema | undefined {
  let node: Schema | undefined = resolve(podFragmentJsonSchema);
  for (const token of tokens) {
    if (!node) return undefined;
    const properties = node.properties as Record<string, Schema> | undefined;
    if (properties && Object.hasOwn(properties, token)) node = resolve(properties[token]);
    else if (node.items && /^\d+$/.test(token)) node = resolve(node.items as Schema);
    else if (node.additionalProperties && typeof node.additionalProperties === 'object') node = resolve(node.additionalProperties as Schema);
    else return undefined;
  }
  return node;
}

function resolve(node: Schema | undefined): Schema | undefined {
  const ref = node?.$ref;
  if (typeof ref !== 'string') return node;
  const definitions = podFragmentJsonSchema.definitions as Record<string, Schema>;
  return definitions[ref.slice('#/definitions/'.length)];
}

function valueAt(doc: unknown, tokens: string[]): unknown {
  let value: unknown = doc;
  for (const token of tokens) value = (value as Obj | undefined)?.[token];
  return value;
}

/** `containers[0] (my-sidecar).securityContext`: list items with a name show it. */
function displayPath(doc: unknown, tokens: string[]): string {
  let path = '';
  let value: unknown = doc;
  for (const token of tokens) {
    const isIndex = Array.isArray(value) && /^\d+$/.test(token);
    value = (value as Obj | undefined)?.[token];
    if (isIndex) {
      const name = (value as Obj | undefined)?.name;
      path += typeof name === 'string' && name !== '' ? `[${token}] (${name})` : `[${token}]`;
    } else {
      path = join(path, token);
    }
  }
  return path;
}

function join(path: string, field: string): string {
  return path === '' ? field : `${path}.${field}`;
}

function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `; did you mean "runAsNonRoot"?` for a misspelling of a known field, else ''. */
function didYouMean(field: string, known: string[]): string {
  const lower = field.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase()) + 1;
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(2, Math.floor(field.length / 4)) + 1;
  return best !== undefined && bestDistance <= allowed ? `; did you mean ${JSON.stringify(best)}?` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function unique(problems: string[]): string[] {
  return [...new Set(problems)];
}
