import { describe, expect, it } from 'vitest';
import { containerFieldProblems } from '../../functions/core/container-fields.ts';
import { SettingsError, settingsFromEnv } from '../../functions/shell/settings.ts';

// The end-to-end suite found that the API server refuses every pod when an extra field has
// the wrong type (it cannot decode the patch); these shapes are checked before start.

describe('containerFieldProblems', () => {
  it('accepts well-typed fields', () => {
    expect(
      containerFieldProblems({
        args: ['--verbose'],
        command: ['/sidecar'],
        env: [{ name: 'LEVEL', value: '3' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        securityContext: { runAsNonRoot: true },
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        tty: false,
        workingDir: '/',
      }),
    ).toEqual([]);
  });

  it.each([
    [{ args: '--verbose' }, /"args" must be a list of strings/],
    [{ command: [1] }, /"command" must be a list of strings/],
    [{ env: [{ name: 'LEVEL', value: 3 }] }, /"LEVEL"\): "value" must be a string/],
    [{ env: [{ value: 'x' }] }, /non-empty string "name"/],
    [{ env: { LEVEL: '3' } }, /"env" must be a list/],
    [{ securityContext: 'privileged' }, /"securityContext" must be an object/],
    [{ tty: 'yes' }, /"tty" must be true or false/],
    [{ volumeMounts: ['data'] }, /"volumeMounts" must be a list of objects/],
    [{ sidecarMode: 'x' }, /"sidecarMode" is not a container field/],
  ])('refuses %j', (fields, message) => {
    expect(containerFieldProblems(fields).join('\n')).toMatch(message);
  });
});

describe('SIDECAR_CONTAINER_JSON', () => {
  it('stops the start with the field named, rather than reaching a pod', () => {
    try {
      settingsFromEnv({ SIDECAR_CONTAINER_JSON: '{"args":"--verbose"}' });
      expect.fail('settings were accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      expect((error as SettingsError).problems.join()).toMatch(/SIDECAR_CONTAINER_JSON: "args" must be a list of strings/);
    }
  });
});
