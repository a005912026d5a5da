import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultFragment } from '../../functions/core/template/pod-fragment.ts';
import { DEFAULTS, SettingsError, settingsFromEnv, SHORTHAND_VARIABLES, type Settings } from '../../functions/shell/settings.ts';

// Every variable's default and validation. A bad value must stop the start with a
// SettingsError that names the variable: never reach a pod.

type Env = Record<string, string | undefined>;

function problemsOf(env: Env): string[] {
  try {
    settingsFromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as Error).name).toBe('SettingsError');
    const problems = (error as SettingsError).problems;
    expect((error as Error).message).toBe(`invalid settings: ${problems.join('; ')}`);
    return problems;
  }
  throw new Error(`settings were accepted: ${JSON.stringify(env)}`);
}

/** The sidecar container of the settings' template. */
function sidecarOf(settings: Settings): Record<string, any> {
  const { sidecarName, fragment } = settings.injector.template;
  return fragment.containers.find((c) => c.name === sidecarName) as Record<string, any>;
}

function expectRejected(env: Env, variable: string): string[] {
  const problems = problemsOf(env);
  expect(problems.some((p) => p.includes(variable)), `no problem names ${variable}: ${problems.join(' | ')}`).toBe(true);
  return problems;
}

describe('settingsFromEnv defaults', () => {
  it('gives the design defaults with an empty environment (environment release source)', () => {
    const settings = settingsFromEnv({});
    expect(settings).toEqual<Settings>({
      injector: {
        annotationPrefix: 'injector.my-company.com',
        template: { sidecarName: 'my-sidecar', fragment: defaultFragment() },
        upgradeOnUpdate: false,
        nativeSidecar: 'auto',
        skipHostNetwork: true,
        skipMirrorPods: true,
        skipWindowsPods: true,
        keepGuaranteedQos: true,
      },
      release: { source: 'environment', release: { version: '1.2.1', image: 'my-org/my-sidecar:1.2.1' } },
      maxBodyBytes: 4 * 1024 * 1024,
    });
    expect(settings.pathToken).toBeUndefined();
    expect('pathToken' in settings).toBe(false);
  });

  it('treats empty and blank values as unset', () => {
    const blank: Env = {};
    for (const name of [...Object.keys(DEFAULTS), ...SHORTHAND_VARIABLES, 'SIDECAR_NAME', 'SIDECAR_TEMPLATE_FILE']) blank[name] = '   ';
    blank.WEBHOOK_PATH_TOKEN = '  ';
    blank.SSM_VERSION_PARAMETER = '';
    blank.SSM_IMAGE_PARAMETER = ' ';
    expect(settingsFromEnv(blank)).toEqual(settingsFromEnv({}));
  });

  it('reads process.env when called without an argument', () => {
    expect(settingsFromEnv().maxBodyBytes).toBeGreaterThan(0);
  });

  it('takes every variable when set, trimming white space', () => {
    const settings = settingsFromEnv({
      ANNOTATION_PREFIX: ' sidecar.example.org ',
      SIDECAR_NAME: 'proxy',
      SIDECAR_IMAGE: 'ghcr.io/acme/proxy',
      SIDECAR_VERSION: '2.0.0-rc.1',
      SIDECAR_PORT: '15001',
      SIDECAR_PORT_NAME: 'http-proxy',
      SIDECAR_CPU_REQUEST: '0.1',
      SIDECAR_MEMORY_REQUEST: '1Gi',
      SIDECAR_CPU_LIMIT: '2',
      SIDECAR_MEMORY_LIMIT: '2e9',
      UPGRADE_ON_UPDATE: 'true',
      NATIVE_SIDECAR: 'TRUE',
      SKIP_HOST_NETWORK: 'off',
      SKIP_MIRROR_PODS: '0',
      MAX_BODY_BYTES: '1024',
      SIDECAR_CONTAINER_JSON: '{"args":["--verbose"],"env":[{"name":"A","value":"b"}]}',
      WEBHOOK_PATH_TOKEN: ' abcdefghijklmnop ',
      SKIP_WINDOWS_PODS: 'false',
      KEEP_GUARANTEED_QOS: 'no',
    });
    const { template, ...rest } = settings.injector;
    expect(rest).toEqual({
      annotationPrefix: 'sidecar.example.org',
      upgradeOnUpdate: true,
      nativeSidecar: 'always',
      skipHostNetwork: false,
      skipMirrorPods: false,
      skipWindowsPods: false,
      keepGuaranteedQos: false,
    });
    expect(template.sidecarName).toBe('proxy');
    expect(template.fragment.containers).toEqual([
      {
        name: 'proxy',
        ports: [{ name: 'http-proxy', containerPort: 15001 }],
        resources: { requests: { cpu: '0.1', memory: '1Gi' }, limits: { cpu: '2', memory: '2e9' } },
        securityContext: defaultFragment().containers[0]?.securityContext,
        args: ['--verbose'],
        env: [{ name: 'A', value: 'b' }],
      },
    ]);
    expect(settings.release).toEqual({ source: 'environment', release: { version: '2.0.0-rc.1', image: 'ghcr.io/acme/proxy:2.0.0-rc.1' } });
    expect(settings.maxBodyBytes).toBe(1024);
    expect(settings.pathToken).toBe('abcdefghijklmnop');
  });

  it('uses an image with a tag or digest as it is', () => {
    expect(settingsFromEnv({ SIDECAR_IMAGE: 'my-org/my-sidecar:pinned' }).release).toEqual({
      source: 'environment',
      release: { version: '1.2.1', image: 'my-org/my-sidecar:pinned' },
    });
    const digest = `my-org/my-sidecar@sha256:${'0'.repeat(64)}`;
    expect(settingsFromEnv({ SIDECAR_IMAGE: digest }).release).toEqual({ source: 'environment', release: { version: '1.2.1', image: digest } });
  });
});

describe('settingsFromEnv validation names the variable', () => {
  const flags = {
    UPGRADE_ON_UPDATE: 'upgradeOnUpdate',
    SKIP_HOST_NETWORK: 'skipHostNetwork',
    SKIP_MIRROR_PODS: 'skipMirrorPods',
    SKIP_WINDOWS_PODS: 'skipWindowsPods',
    KEEP_GUARANTEED_QOS: 'keepGuaranteedQos',
  } as const;

  it.each(Object.entries(flags))('%s accepts true/false words in any case', (variable, key) => {
    for (const yes of ['true', 'TRUE', 'True', '1', 'yes', 'on', ' on ']) expect(settingsFromEnv({ [variable]: yes }).injector[key]).toBe(true);
    for (const no of ['false', 'FALSE', '0', 'no', 'off']) expect(settingsFromEnv({ [variable]: no }).injector[key]).toBe(false);
  });

  it('NATIVE_SIDECAR is auto (the default), true or false', () => {
    expect(settingsFromEnv({}).injector.nativeSidecar).toBe('auto');
    for (const [text, mode] of [['auto', 'auto'], ['AUTO', 'auto'], ['true', 'always'], ['always', 'always'], ['false', 'never'], ['never', 'never']]) {
      expect(settingsFromEnv({ NATIVE_SIDECAR: text }).injector.nativeSidecar).toBe(mode);
    }
    for (const bad of ['maybe', 'yes', '1', 'sometimes']) expectRejected({ NATIVE_SIDECAR: bad }, 'NATIVE_SIDECAR');
  });

  it.each(Object.keys(flags))('%s rejects a value that is not a boolean', (variable) => {
    for (const bad of ['maybe', 'y', '2', 'enabled', 'tru']) {
      const problems = expectRejected({ [variable]: bad }, variable);
      expect(problems.join()).toContain(bad);
    }
  });

  it('SSM_WITH_DECRYPTION is a boolean, validated when SSM is used', () => {
    const ssm = { SSM_VERSION_PARAMETER: '/v', SSM_IMAGE_PARAMETER: '/i', AWS_REGION: 'eu-west-1' };
    expect(settingsFromEnv({ ...ssm, SSM_WITH_DECRYPTION: 'true' }).release).toMatchObject({ withDecryption: true });
    expect(settingsFromEnv(ssm).release).toMatchObject({ withDecryption: false });
    expectRejected({ ...ssm, SSM_WITH_DECRYPTION: 'sometimes' }, 'SSM_WITH_DECRYPTION');
  });

  it('SIDECAR_PORT must be a whole number from 1 to 65535', () => {
    expect(sidecarOf(settingsFromEnv({ SIDECAR_PORT: '1' })).ports).toEqual([{ name: 'http', containerPort: 1 }]);
    expect(sidecarOf(settingsFromEnv({ SIDECAR_PORT: '65535' })).ports).toEqual([{ name: 'http', containerPort: 65535 }]);
    for (const bad of ['0', '65536', '-1', '80.5', 'http', '1e3', '0x50', '8080a']) expectRejected({ SIDECAR_PORT: bad }, 'SIDECAR_PORT');
  });

  it('MAX_BODY_BYTES must be a whole number from 1024 to 64 MiB', () => {
    expect(settingsFromEnv({ MAX_BODY_BYTES: String(64 * 1024 * 1024) }).maxBodyBytes).toBe(64 * 1024 * 1024);
    for (const bad of ['1023', '0', String(64 * 1024 * 1024 + 1), '10MB', '-5', '1.5e6']) expectRejected({ MAX_BODY_BYTES: bad }, 'MAX_BODY_BYTES');
  });

  it('SSM_CACHE_TTL_SECONDS must be a whole number from 1 to 86400, and is held in ms', () => {
    const ssm = { SSM_VERSION_PARAMETER: '/v', SSM_IMAGE_PARAMETER: '/i', AWS_REGION: 'eu-west-1' };
    expect(settingsFromEnv(ssm).release).toMatchObject({ cacheTtlMs: 30_000 });
    expect(settingsFromEnv({ ...ssm, SSM_CACHE_TTL_SECONDS: '1' }).release).toMatchObject({ cacheTtlMs: 1_000 });
    expect(settingsFromEnv({ ...ssm, SSM_CACHE_TTL_SECONDS: '86400' }).release).toMatchObject({ cacheTtlMs: 86_400_000 });
    for (const bad of ['0', '86401', '30s', '-1', '2.5']) expectRejected({ ...ssm, SSM_CACHE_TTL_SECONDS: bad }, 'SSM_CACHE_TTL_SECONDS');
  });

  it.each([
    ['SIDECAR_CPU_REQUEST', ['10m', '0.05', '.1', '100m']],
    ['SIDECAR_MEMORY_REQUEST', ['1Mi', '64Mi', '1e6', '32Mi']],
    ['SIDECAR_CPU_LIMIT', ['100m', '0.5', '2', '1e3']],
    ['SIDECAR_MEMORY_LIMIT', ['64Mi', '1Gi', '1e9', '128M']],
  ] as const)('%s must be a Kubernetes quantity', (variable, goods) => {
    for (const good of goods) expect(() => settingsFromEnv({ [variable]: good })).not.toThrow();
    for (const bad of ['lots', '64MB', '1.2.3', '100 m', 'm']) expectRejected({ [variable]: bad }, variable);
  });

  it('a shorthand that makes the template invalid is refused with the field and the variable named', () => {
    const problems = expectRejected({ SIDECAR_CPU_REQUEST: '2' }, 'SIDECAR_CPU_REQUEST');
    expect(problems.join()).toMatch(/resources\.requests\.cpu/);
    expect(problems.join()).toMatch(/limit/);
    expectRejected({ SIDECAR_MEMORY_LIMIT: '100m' }, 'SIDECAR_MEMORY_LIMIT');
  });

  it('ANNOTATION_PREFIX must be a DNS subdomain', () => {
    for (const good of ['a', 'example.com', 'injector.my-company.com', `${'a'.repeat(63)}.com`]) {
      expect(settingsFromEnv({ ANNOTATION_PREFIX: good }).injector.annotationPrefix).toBe(good);
    }
    for (const bad of ['Injector.Example.com', 'injector/x', '-x.com', 'x.com.', 'a_b.com', 'x..com', 'a'.repeat(254)]) {
      expectRejected({ ANNOTATION_PREFIX: bad }, 'ANNOTATION_PREFIX');
    }
  });

  it('SIDECAR_NAME must be a DNS label', () => {
    for (const good of ['a', 'my-sidecar', 'x1', 'a'.repeat(63)]) {
      const settings = settingsFromEnv({ SIDECAR_NAME: good });
      expect(settings.injector.template.sidecarName).toBe(good);
      expect(sidecarOf(settings).name).toBe(good);
    }
    for (const bad of ['My-Sidecar', 'my_sidecar', '-x', 'x-', 'a.b', 'a'.repeat(64)]) expectRejected({ SIDECAR_NAME: bad }, 'SIDECAR_NAME');
  });

  it('SIDECAR_PORT_NAME must be an IANA port name', () => {
    for (const good of ['http', 'metrics-1', 'a'.repeat(15)]) expect(sidecarOf(settingsFromEnv({ SIDECAR_PORT_NAME: good })).ports[0].name).toBe(good);
    for (const bad of ['HTTP', '123', 'a--b', '-http', 'a'.repeat(16), 'http_port']) expectRejected({ SIDECAR_PORT_NAME: bad }, 'SIDECAR_PORT_NAME');
  });

  it('SIDECAR_VERSION must be an image tag and SIDECAR_IMAGE an image reference', () => {
    for (const bad of ['1.2 beta', '-1', '.1', 'v'.repeat(129), 'a/b']) expectRejected({ SIDECAR_VERSION: bad }, 'SIDECAR_VERSION');
    for (const bad of ['my-org/Sidecar', 'UPPER', 'my-org/sidecar:bad tag', 'my-org/sidecar@sha256:zz', ':1.0', 'my-org//sidecar']) {
      expectRejected({ SIDECAR_IMAGE: bad }, 'SIDECAR_IMAGE');
    }
  });

  it('collects every problem at once', () => {
    const problems = problemsOf({ SIDECAR_PORT: 'x', SIDECAR_NAME: 'X', NATIVE_SIDECAR: 'perhaps', MAX_BODY_BYTES: '1' });
    for (const variable of ['SIDECAR_PORT', 'SIDECAR_NAME', 'NATIVE_SIDECAR', 'MAX_BODY_BYTES']) {
      expect(problems.filter((p) => p.includes(variable))).toHaveLength(1);
    }
    expect(problems).toHaveLength(4);
  });

  it('any whole number in range is accepted for SIDECAR_PORT, anything else rejected (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000, max: 200_000 }), (port) => {
        const text = String(port);
        if (port >= 1 && port <= 65535) expect(sidecarOf(settingsFromEnv({ SIDECAR_PORT: text })).ports[0].containerPort).toBe(port);
        else expectRejected({ SIDECAR_PORT: text }, 'SIDECAR_PORT');
      }),
    );
  });
});

describe('SSM parameters', () => {
  const pair = { SSM_VERSION_PARAMETER: '/sidecar/version', SSM_IMAGE_PARAMETER: '/sidecar/image' };

  it('with both parameters and AWS_REGION, the release comes from SSM', () => {
    expect(settingsFromEnv({ ...pair, AWS_REGION: 'eu-central-1' }).release).toEqual({
      source: 'ssm',
      versionParameter: '/sidecar/version',
      imageParameter: '/sidecar/image',
      cacheTtlMs: 30_000,
      withDecryption: false,
      region: 'eu-central-1',
    });
  });

  it('falls back to AWS_DEFAULT_REGION, and AWS_REGION wins over it', () => {
    expect(settingsFromEnv({ ...pair, AWS_DEFAULT_REGION: 'us-east-2' }).release).toMatchObject({ region: 'us-east-2' });
    expect(settingsFromEnv({ ...pair, AWS_REGION: 'eu-west-3', AWS_DEFAULT_REGION: 'us-east-2' }).release).toMatchObject({ region: 'eu-west-3' });
  });

  it('accepts parameter ARNs, which GetParameters takes as names', () => {
    const arn = 'arn:aws:ssm:eu-west-1:123456789012:parameter/sidecar/version';
    expect(settingsFromEnv({ ...pair, SSM_VERSION_PARAMETER: arn, AWS_REGION: 'eu-west-1' }).release).toMatchObject({ versionParameter: arn });
  });

  it('rejects the same parameter for version and image', () => {
    const problems = expectRejected({ SSM_VERSION_PARAMETER: '/p', SSM_IMAGE_PARAMETER: '/p', AWS_REGION: 'eu-west-1' }, 'SSM_IMAGE_PARAMETER');
    expect(problems.join()).toContain('same parameter');
  });

  it('requires a region when SSM is configured', () => {
    expectRejected(pair, 'AWS_REGION');
    expectRejected({ ...pair, AWS_REGION: '  ' }, 'AWS_REGION');
  });

  it('does not need a region without SSM', () => {
    expect(settingsFromEnv({}).release.source).toBe('environment');
  });

  it('rejects one parameter without the other, naming both', () => {
    for (const env of [{ SSM_VERSION_PARAMETER: '/v' }, { SSM_IMAGE_PARAMETER: '/i' }, { SSM_VERSION_PARAMETER: '/v', SSM_IMAGE_PARAMETER: ' ' }]) {
      const problems = expectRejected({ ...env, AWS_REGION: 'eu-west-1' }, 'SSM_VERSION_PARAMETER');
      expect(problems.join()).toContain('SSM_IMAGE_PARAMETER');
    }
  });

  it('rejects names that are not SSM parameter names', () => {
    for (const bad of ['/sidecar/ver sion', '/sidecar/version!', 'x'.repeat(2049)]) {
      expectRejected({ ...pair, SSM_VERSION_PARAMETER: bad, AWS_REGION: 'eu-west-1' }, 'SSM_VERSION_PARAMETER');
      expectRejected({ ...pair, SSM_IMAGE_PARAMETER: bad, AWS_REGION: 'eu-west-1' }, 'SSM_IMAGE_PARAMETER');
    }
    expect(settingsFromEnv({ SSM_VERSION_PARAMETER: 'plain_name.v-1', SSM_IMAGE_PARAMETER: '/a/b/c', AWS_REGION: 'eu-west-1' }).release).toMatchObject({
      versionParameter: 'plain_name.v-1',
      imageParameter: '/a/b/c',
    });
  });

  it('ignores SIDECAR_VERSION/SIDECAR_IMAGE when SSM is configured (even invalid ones)', () => {
    const settings = settingsFromEnv({ ...pair, AWS_REGION: 'eu-west-1', SIDECAR_VERSION: 'not a tag', SIDECAR_IMAGE: 'Bad Image' });
    expect(settings.release.source).toBe('ssm');
  });
});

describe('SIDECAR_CONTAINER_JSON', () => {
  it('adds extra container fields', () => {
    const extra = { securityContext: { runAsNonRoot: true }, args: ['--a'], env: [{ name: 'X', value: 'y' }] };
    expect(sidecarOf(settingsFromEnv({ SIDECAR_CONTAINER_JSON: JSON.stringify(extra) }))).toMatchObject(extra);
  });

  it('is checked with the template: a wrong type one level down is refused with its path', () => {
    const problems = expectRejected({ SIDECAR_CONTAINER_JSON: '{"securityContext":{"runAsUser":"1000"}}' }, 'SIDECAR_CONTAINER_JSON');
    expect(problems.join()).toContain('securityContext.runAsUser');
  });

  it.each(['name', 'image', 'restartPolicy'])('may not set the reserved field %s', (field) => {
    const problems = expectRejected({ SIDECAR_CONTAINER_JSON: JSON.stringify({ [field]: 'x', args: [] }) }, 'SIDECAR_CONTAINER_JSON');
    expect(problems.join()).toContain(field);
  });

  it('names every reserved field it finds', () => {
    const problems = expectRejected({ SIDECAR_CONTAINER_JSON: '{"name":"a","image":"b","restartPolicy":"Always"}' }, 'SIDECAR_CONTAINER_JSON');
    expect(problems.join()).toContain('name, image, restartPolicy');
  });

  it('must be valid JSON', () => {
    expectRejected({ SIDECAR_CONTAINER_JSON: '{args: [1]}' }, 'SIDECAR_CONTAINER_JSON');
  });

  it.each(['[]', '"text"', '42', 'null', 'true'])('must be a JSON object, not %s', (text) => {
    expectRejected({ SIDECAR_CONTAINER_JSON: text }, 'SIDECAR_CONTAINER_JSON');
  });
});

describe('WEBHOOK_PATH_TOKEN', () => {
  it('accepts 16 to 128 characters of letters, digits, _ and -', () => {
    for (const good of ['a'.repeat(16), 'A1_-'.repeat(32), 'Zq3_kL9-xP2mN8rT']) expect(settingsFromEnv({ WEBHOOK_PATH_TOKEN: good }).pathToken).toBe(good);
  });

  it('rejects a short, long or URL-unsafe token', () => {
    for (const bad of ['a'.repeat(15), 'a'.repeat(129), 'abcdefghijklmnop/q', 'abcdefghijklmnop?x', 'abcdefghijklmnop%20', 'abcdefgh ijklmnop', 'äbcdefghijklmnopq']) {
      expectRejected({ WEBHOOK_PATH_TOKEN: bad }, 'WEBHOOK_PATH_TOKEN');
    }
  });

  it('does not put the rejected token in the message', () => {
    const token = 'short-secret';
    const problems = expectRejected({ WEBHOOK_PATH_TOKEN: token }, 'WEBHOOK_PATH_TOKEN');
    expect(problems.join()).not.toContain(token);
  });
});
