// Types for fast-json-patch's ES module helpers, which ship without a .d.mts of their own.
declare module 'fast-json-patch/module/helpers.mjs' {
  export function escapePathComponent(path: string): string;
  export function unescapePathComponent(path: string): string;
}

declare module 'fast-json-patch/module/core.mjs' {
  export function applyPatch<T>(document: T, patch: unknown[], validateOperation?: boolean, mutateDocument?: boolean): { newDocument: T };
}
