import { isPlainObject } from './pod-view.ts';

/**
 * The shapes of a core/v1 Container's fields, to check operator-supplied extra fields
 * (SIDECAR_CONTAINER_JSON) before they reach a pod. The API server cannot decode a patch whose
 * field has the wrong type, and then refuses every pod (even under failurePolicy: Ignore, since
 * the call itself succeeded): found by the end-to-end suite. Unknown fields are refused too,
 * because the API server drops them and every later review would try to add them again.
 *
 * Hand-written: Kubernetes' OpenAPI document would bring megabytes into the Lambda bundle for
 * one object type, and the published TypeScript types exist only at compile time.
 */

type Shape = 'string' | 'boolean' | 'object' | 'string[]' | 'object[]' | 'env[]';

const CONTAINER_FIELDS: Record<string, Shape> = {
  args: 'string[]',
  command: 'string[]',
  env: 'env[]',
  envFrom: 'object[]',
  imagePullPolicy: 'string',
  lifecycle: 'object',
  livenessProbe: 'object',
  readinessProbe: 'object',
  startupProbe: 'object',
  resizePolicy: 'object[]',
  restartPolicyRules: 'object[]',
  securityContext: 'object',
  stdin: 'boolean',
  stdinOnce: 'boolean',
  terminationMessagePath: 'string',
  terminationMessagePolicy: 'string',
  tty: 'boolean',
  volumeDevices: 'object[]',
  volumeMounts: 'object[]',
  workingDir: 'string',
};

/** What is wrong with the given extra container fields (empty when they are usable). */
export function containerFieldProblems(fields: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [field, value] of Object.entries(fields)) {
    const shape = CONTAINER_FIELDS[field];
    if (!shape) {
      problems.push(`"${field}" is not a container field the injector can set (known: ${Object.keys(CONTAINER_FIELDS).join(', ')})`);
      continue;
    }
    const problem = shapeProblem(value, shape);
    if (problem) problems.push(`"${field}" ${problem}`);
  }
  return problems;
}

function shapeProblem(value: unknown, shape: Shape): string | undefined {
  switch (shape) {
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'object':
      return isPlainObject(value) ? undefined : 'must be an object';
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : 'must be a list of strings';
    case 'object[]':
      return Array.isArray(value) && value.every(isPlainObject) ? undefined : 'must be a list of objects';
    case 'env[]':
      if (!Array.isArray(value)) return 'must be a list of {"name": ..., "value": ...}';
      for (const [index, entry] of value.entries()) {
        if (!isPlainObject(entry) || typeof entry.name !== 'string' || entry.name === '') return `[${index}] must have a non-empty string "name"`;
        if ('value' in entry && typeof entry.value !== 'string') return `[${index}] ("${entry.name}"): "value" must be a string (quote numbers and booleans)`;
        if ('valueFrom' in entry && !isPlainObject(entry.valueFrom)) return `[${index}] ("${entry.name}"): "valueFrom" must be an object`;
      }
      return undefined;
  }
}
