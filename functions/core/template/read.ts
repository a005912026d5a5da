import { isPlainObject } from '../pod-view.ts';
import type { Container, JsonObject } from '../types.ts';
import { FRAGMENT_LISTS, type PodFragment } from './pod-fragment.ts';
import { podFragmentJsonSchema } from './schema/pod-fragment.validator.gen.ts';
import { podFragmentProblems } from './validate.ts';

/**
 * A parsed template document as a PodFragment, or every problem with it. The validator checks
 * it against the Kubernetes schema and the API server's own container and volume rules first;
 * this then only shapes what passed, in the form the API server stores it (storedForm).
 */
export function readPodFragment(doc: unknown, sidecarName: string): { fragment: PodFragment } | { problems: string[] } {
  const problems = podFragmentProblems(doc, { sidecarName });
  if (problems.length > 0) return { problems };
  const source = storedForm(doc) as JsonObject;
  const list = (key: (typeof FRAGMENT_LISTS)[number]): JsonObject[] => (Array.isArray(source[key]) ? (source[key].filter(isPlainObject) as JsonObject[]) : []);
  return {
    fragment: {
      initContainers: list('initContainers') as Container[],
      containers: list('containers') as Container[],
      volumes: list('volumes'),
      imagePullSecrets: list('imagePullSecrets'),
    },
  };
}

type Schema = { [key: string]: unknown };

const DEFINITION_REF = '#/definitions/';
const definitions = podFragmentJsonSchema.definitions as Record<string, Schema>;
/** Per definition, the fields Go tags `omitempty` on a non-pointer type (x-go-omitempty, generated from the Go types). */
const omitEmpty = podFragmentJsonSchema['x-go-omitempty'] as Record<string, string[]>;

/**
 * A copy of a template-shaped document (initContainers, containers, volumes, imagePullSecrets)
 * as the API server stores it: without the fields that Go's encoding/json leaves out when they
 * hold the zero value, i.e. non-pointer fields tagged `omitempty` set to false, 0, "", [] or {}
 * (`readOnly: false` on a volume mount, `args: []`, `stdin: false`, `medium: ""` ...), at any
 * depth. Pointer fields keep their zero values: `allowPrivilegeEscalation: false`,
 * `runAsUser: 0`, `optional: false`, `emptyDir: {}` mean something and are stored. A template
 * that kept a dropped zero value would never be contained in the pod the API server returns, and
 * the injector would patch it again on every review.
 *
 * Walks the generated schema: which fields those are per type is in its `x-go-omitempty`. Only
 * for a document the validator accepted (anything the schema does not describe is kept as is).
 */
export function storedForm(doc: unknown): unknown {
  return stored(doc, podFragmentJsonSchema);
}

function stored(value: unknown, node: Schema | undefined): unknown {
  let omit: string[] | undefined;
  const ref = node?.$ref;
  if (typeof ref === 'string' && ref.startsWith(DEFINITION_REF)) {
    const name = ref.slice(DEFINITION_REF.length);
    node = definitions[name];
    omit = omitEmpty[name];
  }
  if (Array.isArray(value)) return value.map((item) => stored(item, node?.items as Schema | undefined));
  if (!isPlainObject(value)) return value;
  const properties = node?.properties as Record<string, Schema> | undefined;
  const values = node?.additionalProperties;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (omit?.includes(key) && isGoZero(child)) continue;
    const childSchema = properties ? properties[key] : isPlainObject(values) ? (values as Schema) : undefined;
    out[key] = stored(child, childSchema) as JsonObject[string];
  }
  return out;
}

/** What encoding/json's `omitempty` counts as empty, for the kinds it applies to here. */
function isGoZero(value: unknown): boolean {
  return value === false || value === 0 || value === '' || (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0);
}

/** The name of the template's only long-running container, the natural sidecar when none is named. */
export function onlyContainerName(doc: unknown): string | undefined {
  if (!isPlainObject(doc) || !Array.isArray(doc.containers) || doc.containers.length !== 1) return undefined;
  const [only] = doc.containers;
  return isPlainObject(only) && typeof only.name === 'string' ? only.name : undefined;
}
