/**
 * The shapes the core reads. Mutating webhooks run before validation, so every field of an
 * incoming object may be missing or of the wrong type: these types describe what a valid
 * object looks like, and the core checks before it trusts (see pod-view.ts).
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface Container {
  name: string;
  image?: string;
  restartPolicy?: string;
  [field: string]: unknown;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    [field: string]: unknown;
  };
  spec?: {
    containers?: Container[];
    initContainers?: Container[];
    hostNetwork?: boolean;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** The part of an admission.k8s.io/v1 AdmissionRequest the decision depends on. */
export interface AdmissionRequest {
  uid: string;
  operation: Operation;
  kind?: { group?: string; version?: string; kind?: string };
  resource?: { group?: string; version?: string; resource?: string };
  subResource?: string;
  namespace?: string;
  name?: string;
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
}

/** One RFC 6902 operation, as the core emits them (it never needs move, copy or test). */
export type PatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };
