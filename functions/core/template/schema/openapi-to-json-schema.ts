/**
 * Turns Kubernetes' published OpenAPI v3 document (`/openapi/v3/api/v1`, or the same file in the
 * k8s.io/kubernetes module) into the strict JSON Schema the pod-template validator checks against.
 *
 * Pure: document in, schema out. Used by the generator script (which writes the committed file)
 * and by the end-to-end test that asks a real API server for the document and compares.
 *
 * What "strict" adds to the published schema, and why:
 * - `additionalProperties: false` on every object that is not a map: the API server drops an
 *   unknown (misspelled) field silently, and the injector would then add it again on every review.
 * - int32 / int64 ranges from `format`: the API server refuses a number that does not fit
 *   ("cannot unmarshal number ... of type int32"); int64 is bounded by what JavaScript holds
 *   exactly, since a larger number is already changed when the template is parsed.
 * - Quantity and IntOrString become plain type unions (their `oneOf` only gives vaguer errors).
 * Descriptions, defaults and `x-kubernetes-*` extensions are dropped to keep the file small.
 *
 * One thing the OpenAPI document cannot say is added from the Go types (go-omitempty.go): under
 * the root keyword `x-go-omitempty`, per definition, the fields that are non-pointer and tagged
 * `omitempty`. Go's encoding/json leaves such a field out when it holds its zero value (false,
 * 0, "", [] or {}), so the API server does not store it: a template that sends one would differ
 * from the stored pod on every review. The OpenAPI document types `readOnly` (a bool, dropped
 * when false) and `allowPrivilegeEscalation` (a *bool, kept when false) alike, and so does the
 * protobuf definition (both `optional bool`); the Go types are the only source. read.ts strips
 * these zero values, walking the schema; annotation only, the validator ignores it.
 */

export type JsonSchema = { [key: string]: unknown };

/** The definitions the template may use, and everything they reach. */
export const TEMPLATE_ROOTS = [
  'io.k8s.api.core.v1.Container',
  'io.k8s.api.core.v1.Volume',
  'io.k8s.api.core.v1.LocalObjectReference',
] as const;

/** The PodSpec fields a template may set; their shapes are taken from PodSpec itself. */
export const TEMPLATE_FIELDS = ['initContainers', 'containers', 'volumes', 'imagePullSecrets'] as const;

/**
 * Volume kinds a template may not use: the in-tree drivers Kubernetes deprecated or removed in
 * favour of CSI, and `ephemeral` (a whole PersistentVolumeClaim template). Their shapes are left
 * out of the schema (a kind stays a known field, refused by the rules with a clear message), which
 * keeps the generated validator small enough for the Lambda bundle.
 */
export const VOLUME_KINDS_NOT_IN_TEMPLATES = [
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'ephemeral', 'fc', 'flexVolume',
  'flocker', 'gcePersistentDisk', 'gitRepo', 'glusterfs', 'iscsi', 'photonPersistentDisk', 'portworxVolume',
  'quobyte', 'rbd', 'scaleIO', 'storageos', 'vsphereVolume',
] as const;

const VOLUME = 'io.k8s.api.core.v1.Volume';
const POD_SPEC = 'io.k8s.api.core.v1.PodSpec';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const REF_PREFIX = '#/components/schemas/';
const INT32 = { minimum: -2147483648, maximum: 2147483647 };
const INT64_EXACT = { minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };

interface OpenApiDocument {
  components?: { schemas?: Record<string, JsonSchema> };
}

/** The custom root keyword: definition -> the fields the API server drops when zero. */
export const OMITEMPTY_KEYWORD = 'x-go-omitempty';

/**
 * What go-omitempty.go reports: per Go struct type (by its OpenAPI model name), every JSON field
 * and what encoding/json does with it (`omitempty:<kind>`, `pointer`, `struct`, `kept:<kind>`,
 * `unhandled: <why>`).
 */
export interface GoJsonFields {
  module: string;
  definitions: Record<string, Record<string, string>>;
}

/** The strict schema of a pod template, with a `definitions` entry per reachable type. */
export function podFragmentSchema(document: unknown, sourceVersion: string, goFields: GoJsonFields): JsonSchema {
  const schemas = (document as OpenApiDocument)?.components?.schemas;
  if (!schemas || typeof schemas !== 'object') throw new Error('not an OpenAPI v3 document: no components.schemas');
  const podSpec = schemas[POD_SPEC];
  const podSpecProperties = podSpec?.properties as Record<string, JsonSchema> | undefined;
  if (!podSpecProperties) throw new Error(`the document has no ${POD_SPEC}`);

  const definitions: Record<string, JsonSchema> = {};
  const pending: string[] = [...TEMPLATE_ROOTS];
  const reach = (name: string) => {
    if (!(name in definitions) && !pending.includes(name)) pending.push(name);
  };
  while (pending.length > 0) {
    const name = pending.shift() as string;
    const source = schemas[name];
    if (!source) throw new Error(`the document has no ${name}`);
    definitions[name] = convertDefinition(name, source, reach);
  }

  const properties: Record<string, JsonSchema> = {};
  for (const field of TEMPLATE_FIELDS) {
    const source = podSpecProperties[field];
    if (!source) throw new Error(`${POD_SPEC} has no field ${field}`);
    properties[field] = convert(source, (name) => {
      if (!(name in definitions)) throw new Error(`${POD_SPEC}.${field} refers to ${name}, which is not among the template's roots`);
    });
  }

  return {
    $comment: `Generated by functions/core/template/schema/generate.ts from the OpenAPI v3 document of Kubernetes ${sourceVersion} (/openapi/v3/api/v1) ` +
      `and, for ${OMITEMPTY_KEYWORD} (per definition, the non-pointer omitempty fields the API server drops when zero), the Go types of ${goFields.module}. Do not edit.`,
    type: 'object',
    additionalProperties: false,
    properties,
    [OMITEMPTY_KEYWORD]: omitEmptyFields(definitions, goFields),
    definitions: sortKeys(definitions),
  };
}

const SCHEMA_TYPE_OF_GO_KIND: Record<string, string> = { bool: 'boolean', int: 'integer', float: 'number', string: 'string', slice: 'array', map: 'object' };

/**
 * Per definition of the schema, the fields Go marks non-pointer `omitempty` (only definitions
 * with some). Checks that the Go types and the OpenAPI document describe the same fields, so
 * that a field is never left out because the two sources disagree on it.
 */
export function omitEmptyFields(definitions: Record<string, JsonSchema>, goFields: GoJsonFields): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const name of Object.keys(definitions).sort()) {
    const go = goFields.definitions[name];
    if (!go) throw new Error(`the Go types (${goFields.module}) do not reach ${name}, which the OpenAPI document does: the two sources disagree`);
    const properties = (definitions[name] as JsonSchema).properties as Record<string, JsonSchema> | undefined;
    const schemaFields = Object.keys(properties ?? {}).sort();
    const goNames = Object.keys(go).sort();
    if (schemaFields.join() !== goNames.join()) {
      throw new Error(`${name}: the OpenAPI document has fields [${schemaFields.join(', ')}], the Go type (${goFields.module}) [${goNames.join(', ')}]`);
    }
    const omitted: string[] = [];
    for (const field of goNames) {
      const kind = go[field] as string;
      if (kind.startsWith('unhandled')) throw new Error(`${name}.${field}: ${kind}; read.ts would not normalize it as the API server does`);
      if (!kind.startsWith('omitempty:')) continue;
      const goKind = kind.slice('omitempty:'.length);
      const schemaType = (properties?.[field] as JsonSchema).type;
      if (SCHEMA_TYPE_OF_GO_KIND[goKind] === undefined || schemaType !== SCHEMA_TYPE_OF_GO_KIND[goKind]) {
        throw new Error(`${name}.${field}: a Go ${goKind} with omitempty, a ${JSON.stringify(schemaType)} in the OpenAPI document: the normalizer's zero values would not fit`);
      }
      omitted.push(field);
    }
    if (omitted.length > 0) out[name] = omitted;
  }
  return out;
}

function convertDefinition(name: string, source: JsonSchema, reach: (name: string) => void): JsonSchema {
  if (name === QUANTITY) return { type: ['string', 'number'] };
  if (name === INT_OR_STRING) return { type: ['integer', 'string'], ...INT32 };
  if (name === VOLUME) {
    const properties = { ...(source.properties as Record<string, JsonSchema>) };
    for (const kind of VOLUME_KINDS_NOT_IN_TEMPLATES) {
      if (!(kind in properties)) throw new Error(`${VOLUME} has no field ${kind} any more: update VOLUME_KINDS_NOT_IN_TEMPLATES`);
      properties[kind] = { type: 'object' };
    }
    return convert({ ...source, properties }, reach);
  }
  return convert(source, reach);
}

function convert(source: JsonSchema, reach: (name: string) => void): JsonSchema {
  const ref = refOf(source);
  if (ref !== undefined) {
    reach(ref);
    return { $ref: `#/definitions/${ref}` };
  }
  const out: JsonSchema = {};
  if (Array.isArray(source.enum)) out.enum = [...source.enum];
  const type = source.type;
  if (type !== undefined) out.type = type;
  if (type === 'integer') {
    if (source.format === 'int32') Object.assign(out, INT32);
    else Object.assign(out, INT64_EXACT);
  }
  if (type === 'array' && source.items && typeof source.items === 'object') {
    out.items = convert(source.items as JsonSchema, reach);
  }
  const properties = source.properties as Record<string, JsonSchema> | undefined;
  if (properties) {
    out.type = 'object';
    const converted: Record<string, JsonSchema> = {};
    for (const key of Object.keys(properties).sort()) converted[key] = convert(properties[key] as JsonSchema, reach);
    out.properties = converted;
    out.additionalProperties = false;
    if (Array.isArray(source.required) && source.required.length > 0) out.required = [...source.required].sort();
  } else if (source.additionalProperties && typeof source.additionalProperties === 'object') {
    out.type = 'object';
    out.additionalProperties = convert(source.additionalProperties as JsonSchema, reach);
  }
  return out;
}

/** The definition a node stands for: a `$ref`, or the OpenAPI habit `allOf: [{ $ref }]`. */
function refOf(source: JsonSchema): string | undefined {
  const direct = source.$ref;
  const allOf = source.allOf;
  const target = typeof direct === 'string'
    ? direct
    : Array.isArray(allOf) && allOf.length === 1 && typeof (allOf[0] as JsonSchema)?.$ref === 'string'
      ? ((allOf[0] as JsonSchema).$ref as string)
      : undefined;
  if (target === undefined) return undefined;
  if (!target.startsWith(REF_PREFIX)) throw new Error(`unexpected reference ${target}`);
  return target.slice(REF_PREFIX.length);
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key] as T]));
}
