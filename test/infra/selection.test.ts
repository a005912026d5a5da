import { describe, expect, it } from 'vitest';
import { renderWebhookConfiguration } from '../../infra/webhook-config/render.ts';
import { defaultSelection, isSelected, matchesLabelSelector, selectionFromConfiguration } from '../../infra/webhook-config/selection.ts';

// The webhook's selection, evaluated as the API server evaluates label selectors, so the CLI
// answers for exactly the pods the webhook would see.

describe('matchesLabelSelector', () => {
  it('empty selects everything; matchLabels need equal values', () => {
    expect(matchesLabelSelector({}, {})).toBe(true);
    expect(matchesLabelSelector({ matchLabels: { a: '1' } }, { a: '1', b: '2' })).toBe(true);
    expect(matchesLabelSelector({ matchLabels: { a: '1' } }, { a: '2' })).toBe(false);
    expect(matchesLabelSelector({ matchLabels: { a: '1' } }, {})).toBe(false);
  });

  it.each([
    ['In', ['x'], { k: 'x' }, true],
    ['In', ['x'], { k: 'y' }, false],
    ['In', ['x'], {}, false],
    ['NotIn', ['x'], { k: 'x' }, false],
    ['NotIn', ['x'], { k: 'y' }, true],
    ['NotIn', ['x'], {}, true],
    ['Exists', undefined, { k: '' }, true],
    ['Exists', undefined, {}, false],
    ['DoesNotExist', undefined, {}, true],
    ['DoesNotExist', undefined, { k: 'x' }, false],
  ] as const)('%s %j on %j is %s', (operator, values, labels, expected) => {
    const requirement = { key: 'k', operator, ...(values ? { values: [...values] } : {}) };
    expect(matchesLabelSelector({ matchExpressions: [requirement] }, labels)).toBe(expected);
  });

  it('treats a requirement on a key the caller does not know as met', () => {
    const selector = { matchLabels: { team: 'a' }, matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn' as const, values: ['kube-system'] }] };
    const known = (key: string) => key === 'kubernetes.io/metadata.name';
    expect(matchesLabelSelector(selector, { 'kubernetes.io/metadata.name': 'shop' }, known)).toBe(true);
    expect(matchesLabelSelector(selector, { 'kubernetes.io/metadata.name': 'kube-system' }, known)).toBe(false);
  });
});

describe('the webhook selection', () => {
  it('by default: labelled pods outside the system namespaces, as the stack renders it', () => {
    const selection = defaultSelection();
    const labelled = { 'sidecar-injection': 'enabled' };
    expect(isSelected(selection, labelled, { 'kubernetes.io/metadata.name': 'shop' })).toBe(true);
    expect(isSelected(selection, {}, { 'kubernetes.io/metadata.name': 'shop' })).toBe(false);
    expect(isSelected(selection, labelled, { 'kubernetes.io/metadata.name': 'kube-system' })).toBe(false);
  });

  it('from a rendered configuration, by webhook name when it has several', () => {
    const { manifest } = renderWebhookConfiguration({ url: 'https://x.example/mutate', objectSelector: { matchLabels: { mesh: 'on' } } });
    expect(selectionFromConfiguration(manifest)).toMatchObject({ objectSelector: { matchLabels: { mesh: 'on' } } });
    const two = { ...manifest, webhooks: [manifest.webhooks[0], { ...manifest.webhooks[0], name: 'other.example.com' }] };
    expect(selectionFromConfiguration(two)).toEqual({ error: expect.stringContaining('it has 2 webhooks') });
    expect(selectionFromConfiguration(two, 'other.example.com')).toMatchObject({ objectSelector: { matchLabels: { mesh: 'on' } } });
    expect(selectionFromConfiguration(two, 'nope')).toEqual({ error: expect.stringContaining('no webhook named "nope"') });
    expect(selectionFromConfiguration({ kind: 'ConfigMap' })).toEqual({ error: expect.stringContaining('not a MutatingWebhookConfiguration') });
  });
});
