import type { PatchOperation } from './types.ts';

/**
 * The JSON text of a patch, as `JSON.stringify` writes it, with the text of frozen values
 * (the rendered template's containers, volumes and pull secrets, shared by every review of the
 * same kind of pod) written once and reused: serialising the template was a third of an
 * injection's cost above parsing the request.
 */
const textOf = new WeakMap<object, string>();

export function patchJson(patch: readonly PatchOperation[]): string {
  let text = '[';
  for (let i = 0; i < patch.length; i++) {
    const op = patch[i] as PatchOperation;
    if (i > 0) text += ',';
    text += `{"op":"${op.op}","path":${JSON.stringify(op.path)}`;
    if (op.op !== 'remove') text += `,"value":${valueJson(op.value)}`;
    text += '}';
  }
  return `${text}]`;
}

function valueJson(value: unknown): string {
  if (typeof value !== 'object' || value === null || !Object.isFrozen(value)) return JSON.stringify(value);
  let text = textOf.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    textOf.set(value, text);
  }
  return text;
}
