import { SETTING_KEYS, SETTING_KINDS, SettingsError, type SettingKind, type SidecarInjectorSettings } from './settings.ts';

/**
 * Reads settings from CDK context. Values from `-c key=value` are always strings; values in
 * cdk.json may already be numbers, booleans, lists or objects. Both are accepted; anything
 * else is an error naming the key. Keys absent from context are left out (defaults apply later).
 */
export function settingsFromContext(tryGetContext: (key: string) => unknown): Partial<SidecarInjectorSettings> {
  const problems: string[] = [];
  const settings: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const raw = tryGetContext(key);
    if (raw === undefined || raw === null) continue;
    const parsed = parseContextValue(key, SETTING_KINDS[key], raw);
    if ('problem' in parsed) problems.push(parsed.problem);
    else if (parsed.value !== undefined) settings[key] = parsed.value;
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return settings as Partial<SidecarInjectorSettings>;
}

type Parsed = { value: unknown } | { problem: string };

export function parseContextValue(key: string, kind: SettingKind, raw: unknown): Parsed {
  const shown = typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw);
  const bad = (expected: string): Parsed => ({ problem: `context key ${key}: ${shown} is not ${expected}` });
  // An empty string from `-c key=` means "not set", so an optional setting can be cleared.
  if (typeof raw === 'string' && raw.trim() === '') return { value: undefined };
  switch (kind) {
    case 'string':
      if (typeof raw === 'string') return { value: raw.trim() };
      if (typeof raw === 'number' || typeof raw === 'boolean') return { value: String(raw) };
      return bad('a string');
    case 'number': {
      if (typeof raw === 'number' && Number.isFinite(raw)) return { value: raw };
      if (typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim())) return { value: Number(raw.trim()) };
      return bad('a number');
    }
    case 'boolean':
      if (typeof raw === 'boolean') return { value: raw };
      if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return { value: raw.trim().toLowerCase() === 'true' };
      return bad('true or false');
    case 'stringList': {
      let value: unknown = raw;
      if (typeof raw === 'string') {
        const text = raw.trim();
        if (text.startsWith('[')) {
          const json = parseJson(text);
          if (json === undefined) return bad('a JSON list');
          value = json;
        } else {
          value = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
        }
      }
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return bad('a list of strings (JSON list, or comma-separated)');
      return { value: value.map((item: string) => item.trim()) };
    }
    case 'object': {
      const value = typeof raw === 'string' ? parseJson(raw) : raw;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('a JSON object');
      return { value };
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Context keys of this app that are not settings: a misspelled key (`memorysize`, `sidecarImag`)
 * would otherwise be ignored silently and the default deployed. Keys that belong to the CDK
 * itself (feature flags such as `@aws-cdk/core:...`, the CLI's `aws:cdk:...`, `cdk-...` and
 * `acknowledged-issue-numbers`) are let through. Each problem names the key and the closest setting.
 */
export function unknownContextKeys(context: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(context)) {
    if ((SETTING_KEYS as string[]).includes(key) || isCdkOwnKey(key)) continue;
    const near = closest(key);
    problems.push(`context key ${key} is not a setting${near ? `: did you mean ${near}?` : ''} (the settings are listed in README, Deploy, 1. Configure)`);
  }
  return problems;
}

function isCdkOwnKey(key: string): boolean {
  return key.startsWith('@aws-cdk/') || key.startsWith('aws:') || key.startsWith('cdk-') || key.includes(':') || key === 'acknowledged-issue-numbers';
}

function closest(key: string): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of SETTING_KEYS) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 4)) ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
