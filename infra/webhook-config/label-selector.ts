/**
 * Kubernetes LabelSelector: the type and the API server's own validation rules for it, so a
 * bad selector is refused when the manifest is rendered instead of by `kubectl apply`.
 */

import { isDns1123Subdomain } from '../../functions/core/kubernetes-names.ts';

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** A label key: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) {
    return `label key "${key}": the prefix before "/" must be a DNS subdomain such as example.com`;
  }
  if (name.length > 63 || !NAME.test(name)) {
    return `label key "${key}": the name must be 1 to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

/** A label value: empty, or at most 63 letters, digits, `-`, `_`, `.` starting and ending alphanumeric. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME.test(value)) {
    return `label value "${value}" must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Every problem with a selector given as untyped input (JSON from context or a test). */
export function labelSelectorProblems(selector: unknown, what: string): string[] {
  if (!isRecord(selector)) return [`${what} must be an object with matchLabels and/or matchExpressions`];
  const problems: string[] = [];
  for (const field of Object.keys(selector)) {
    if (field !== 'matchLabels' && field !== 'matchExpressions') {
      problems.push(`${what} has an unknown field "${field}" (only matchLabels and matchExpressions)`);
    }
  }
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels !== undefined) {
    if (!isRecord(matchLabels)) problems.push(`${what}.matchLabels must be a map of label keys to string values`);
    else {
      for (const [key, value] of Object.entries(matchLabels)) {
        const keyProblem = labelKeyProblem(key);
        if (keyProblem) problems.push(`${what}.matchLabels: ${keyProblem}`);
        if (typeof value !== 'string') problems.push(`${what}.matchLabels["${key}"] must be a string`);
        else {
          const valueProblem = labelValueProblem(value);
          if (valueProblem) problems.push(`${what}.matchLabels["${key}"]: ${valueProblem}`);
        }
      }
    }
  }
  if (matchExpressions !== undefined) {
    if (!Array.isArray(matchExpressions)) problems.push(`${what}.matchExpressions must be a list`);
    else matchExpressions.forEach((expression, index) => problems.push(...requirementProblems(expression, `${what}.matchExpressions[${index}]`)));
  }
  return problems;
}

function requirementProblems(requirement: unknown, what: string): string[] {
  if (!isRecord(requirement)) return [`${what} must be an object with key, operator and values`];
  const problems: string[] = [];
  const { key, operator, values } = requirement;
  if (typeof key !== 'string') problems.push(`${what}.key must be a string`);
  else {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) problems.push(`${what}: ${keyProblem}`);
  }
  if (typeof operator !== 'string' || !OPERATORS.has(operator)) {
    problems.push(`${what}.operator must be one of In, NotIn, Exists, DoesNotExist`);
    return problems;
  }
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (needsValues) {
    if (!Array.isArray(values) || values.length === 0) problems.push(`${what}: operator ${operator} needs a non-empty values list`);
    else {
      for (const value of values) {
        if (typeof value !== 'string') problems.push(`${what}.values must all be strings`);
        else {
          const valueProblem = labelValueProblem(value);
          if (valueProblem) problems.push(`${what}.values: ${valueProblem}`);
        }
      }
    }
  } else if (values !== undefined && (!Array.isArray(values) || values.length > 0)) {
    problems.push(`${what}: operator ${operator} takes no values`);
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
