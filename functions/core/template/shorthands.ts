import { isPlainObject } from '../pod-view.ts';
import type { Container, JsonObject } from '../types.ts';
import type { PodFragment } from './pod-fragment.ts';
import { cloneJson } from '../json-clone.ts';

/**
 * The flat settings of the first version (SIDECAR_PORT, SIDECAR_CPU_REQUEST, ...) kept as
 * shorthands: each one edits the sidecar container of the template, and the edited template is
 * validated like any other. There is no second way to describe the sidecar.
 */
export interface SidecarShorthands {
  port?: number;
  portName?: string;
  cpuRequest?: string;
  memoryRequest?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  /** Container fields merged over the sidecar's (SIDECAR_CONTAINER_JSON). */
  containerFields?: JsonObject;
}

/** The fragment with the shorthands applied to the container named `sidecarName` (a copy). */
export function applyShorthands(fragment: PodFragment, sidecarName: string, edits: SidecarShorthands): PodFragment {
  const copy = cloneJson(fragment);
  const sidecar = copy.containers.find((c) => c.name === sidecarName);
  if (!sidecar) return copy;
  if (edits.containerFields) Object.assign(sidecar, cloneJson(edits.containerFields), { name: sidecarName });
  if (edits.port !== undefined || edits.portName !== undefined) {
    const ports = Array.isArray(sidecar.ports) ? (sidecar.ports as JsonObject[]) : [];
    const first = isPlainObject(ports[0]) ? ports[0] : {};
    const port: JsonObject = { ...first };
    if (edits.portName !== undefined) port.name = edits.portName;
    if (edits.port !== undefined) port.containerPort = edits.port;
    sidecar.ports = [port, ...ports.slice(1)];
  }
  setResource(sidecar, 'requests', 'cpu', edits.cpuRequest);
  setResource(sidecar, 'requests', 'memory', edits.memoryRequest);
  setResource(sidecar, 'limits', 'cpu', edits.cpuLimit);
  setResource(sidecar, 'limits', 'memory', edits.memoryLimit);
  return copy;
}

function setResource(container: Container, kind: 'requests' | 'limits', resource: string, value: string | undefined): void {
  if (value === undefined) return;
  const resources = isPlainObject(container.resources) ? container.resources : {};
  const amounts = isPlainObject(resources[kind]) ? (resources[kind] as JsonObject) : {};
  container.resources = { ...resources, [kind]: { ...amounts, [resource]: value } };
}
