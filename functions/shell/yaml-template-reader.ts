import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { TemplateFileReader } from './settings.ts';

/**
 * The template reader of the local server and the CLI: JSON or YAML. Kept out of the Lambda's
 * import graph, which reads the JSON the stack wrote and so carries no YAML parser. YAML 1.1
 * booleans (`yes`, `on`) would become strings in a Kubernetes object here, as in the API
 * server's own decoder they would not: the `core` schema keeps them strings, and the validator
 * then names the field that wanted a boolean.
 */
export const yamlTemplateReader: TemplateFileReader = {
  readFile: (path) => readFileSync(path, 'utf8'),
  parseYaml: (text) => parse(text, { schema: 'core', uniqueKeys: true }),
};
