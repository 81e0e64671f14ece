import type { V1Container, V1EnvVar } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { LLMGateway } from '../api/llm-gateway.ts';
import { gateway, postgresGateway, secretStore, secretValues } from '../test-support/fixtures.ts';
import { toBase64 } from './base64.ts';
import { deployment, type DeploymentInput } from './deployment.ts';
import { restartHashAnnotation } from './restart-hash.ts';
import { dumpYaml } from './yaml.ts';

const image = 'registry.example/gateway:1.0.0';
const capabilities = { kubernetesMinor: 36, serviceMonitor: false };

function build(target: LLMGateway = postgresGateway(), overrides: Partial<DeploymentInput> = {}) {
  return deployment({
    gateway: target,
    image,
    poolLimit: 30,
    secrets: secretStore(),
    capabilities,
    ...overrides,
  });
}

function container(target?: LLMGateway, overrides?: Partial<DeploymentInput>): V1Container {
  const found = build(target, overrides).spec?.template.spec?.containers[0];
  if (found === undefined) throw new Error('no container');
  return found;
}

function envMap(vars: readonly V1EnvVar[] = []): Record<string, unknown> {
  return Object.fromEntries(vars.map((item) => [item.name, item.value ?? item.valueFrom]));
}

describe('deployment', () => {
  it('runs one gateway container with serve, the API port 4000 and the health port 4001', () => {
    const gatewayContainer = container();
    expect(gatewayContainer.args).toEqual(['serve']);
    expect(gatewayContainer.ports).toEqual([
      { name: 'http', containerPort: 4000, protocol: 'TCP' },
      { name: 'health', containerPort: 4001, protocol: 'TCP' },
    ]);
    const healthPort = gatewayContainer.ports?.find((port) => port.name === 'health')?.containerPort;
    for (const probe of [
      gatewayContainer.readinessProbe,
      gatewayContainer.livenessProbe,
      gatewayContainer.startupProbe,
    ])
      expect(probe?.httpGet?.port === 'health' && healthPort === 4001).toBe(true);
  });

  it('rolls with maxUnavailable 0 and maxSurge 1', () => {
    expect(build().spec?.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
  });

  it('sets the grace period and the preStop sleep', () => {
    const pod = build().spec?.template.spec;
    expect(pod?.terminationGracePeriodSeconds).toBe(630);
    expect(container().lifecycle).toEqual({ preStop: { sleep: { seconds: 10 } } });
  });

  it('leaves spec.replicas to the HPA under autoscaling', () => {
    const spec = build(postgresGateway({ autoscaling: { maxReplicas: 6 } })).spec;
    expect(spec).not.toHaveProperty('replicas');
    expect(build(postgresGateway({ replicas: 4 })).spec?.replicas).toBe(4);
    expect(build(postgresGateway({ replicas: 0 })).spec?.replicas).toBe(0);
    expect(build().spec?.replicas).toBe(2);
  });

  it('runs non-root on a read-only root filesystem with every capability dropped', () => {
    const pod = build().spec?.template.spec;
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container().securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.enableServiceLinks).toBe(false);
    expect(pod?.volumes?.find((volume) => volume.name === 'tmp')?.emptyDir).toBeDefined();
  });

  it('mounts config, keys and credentials as whole directories, so updates reach the pod', () => {
    const mountsByName = Object.fromEntries(
      (container().volumeMounts ?? []).map((mount) => [mount.name, mount]),
    );
    expect(mountsByName.config).toEqual({
      name: 'config',
      mountPath: '/etc/switchyard/config',
      readOnly: true,
    });
    expect(mountsByName.keys?.mountPath).toBe('/etc/switchyard/keys');
    expect(mountsByName.credentials?.mountPath).toBe('/etc/switchyard/credentials');
    for (const mount of container().volumeMounts ?? []) expect(mount.subPath).toBeUndefined();
    expect(
      build().spec?.template.spec?.volumes?.map(
        (volume) => volume.configMap?.name ?? volume.secret?.secretName,
      ),
    ).toEqual(['main-config', 'main-keys', 'main-credentials', undefined]);
  });

  it('sets the environment of the gateway contract, secrets by reference only', () => {
    const vars = envMap(container().env);
    expect(vars).toMatchObject({
      CONFIG_FILE_PATH: '/etc/switchyard/config/config.yaml',
      SWITCHYARD_KEYS_FILE: '/etc/switchyard/keys/keys.json',
      SEPARATE_HEALTH_APP: '1',
      SEPARATE_HEALTH_PORT: '4001',
      SWITCHYARD_SHUTDOWN_DELAY_SECONDS: '5',
      SWITCHYARD_DRAIN_TIMEOUT_SECONDS: '600',
      SWITCHYARD_MODE: 'production',
      DISABLE_SCHEMA_UPDATE: 'true',
      DATABASE_CONNECTION_POOL_LIMIT: '30',
      DATABASE_URL: { secretKeyRef: { name: 'postgres', key: 'url' } },
      SWITCHYARD_MASTER_KEY: { secretKeyRef: { name: 'master', key: 'key' } },
      REDIS_HOST: 'redis.llm.svc',
      REDIS_PORT: '6379',
      REDIS_PASSWORD: { secretKeyRef: { name: 'redis', key: 'password' } },
    });
    const text = dumpYaml(build());
    for (const value of Object.values(secretValues)) expect(text).not.toContain(value);
  });

  it('has no database variables without a database', () => {
    const vars = envMap(container(gateway(), { poolLimit: undefined }).env);
    expect(vars).not.toHaveProperty('DATABASE_URL');
    expect(vars).not.toHaveProperty('DATABASE_CONNECTION_POOL_LIMIT');
    expect(vars).not.toHaveProperty('REDIS_HOST');
  });

  it('spreads across nodes and zones by default, and takes the user constraints instead', () => {
    const spread = build().spec?.template.spec?.topologySpreadConstraints ?? [];
    expect(spread.map((constraint) => constraint.topologyKey)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    expect(spread[0]?.labelSelector?.matchLabels).toEqual({
      'app.kubernetes.io/name': 'switchyard-gateway',
      'app.kubernetes.io/instance': 'main',
      'app.kubernetes.io/component': 'gateway',
    });
    const custom = build(
      postgresGateway({
        pod: {
          topologySpreadConstraints: [
            { maxSkew: 2, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
          ],
        },
      }),
    ).spec?.template.spec?.topologySpreadConstraints;
    expect(custom).toEqual([
      {
        maxSkew: 2,
        topologyKey: 'zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: {
          matchLabels: {
            'app.kubernetes.io/name': 'switchyard-gateway',
            'app.kubernetes.io/instance': 'main',
            'app.kubernetes.io/component': 'gateway',
          },
        },
      },
    ]);
  });

  it('keeps the selector labels when pod labels try to override them', () => {
    const template = build(
      postgresGateway({ pod: { labels: { 'app.kubernetes.io/instance': 'other', team: 'a' } } }),
    ).spec?.template.metadata;
    expect(template?.labels).toMatchObject({ 'app.kubernetes.io/instance': 'main', team: 'a' });
  });

  it('sets default requests so the HPA has something to measure against', () => {
    expect(container().resources).toEqual({
      requests: { cpu: '500m', memory: '512Mi' },
      limits: { memory: '1Gi' },
    });
    expect(container(postgresGateway({ resources: { requests: { cpu: 2 } } })).resources).toEqual({
      requests: { cpu: '2' },
    });
  });

  it('passes placement overrides through', () => {
    const pod = build(
      postgresGateway({
        pod: {
          nodeSelector: { pool: 'llm' },
          tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
          priorityClassName: 'high',
          serviceAccountName: 'custom',
          imagePullSecrets: [{ name: 'registry' }],
        },
      }),
    ).spec?.template.spec;
    expect(pod).toMatchObject({
      nodeSelector: { pool: 'llm' },
      tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
      priorityClassName: 'high',
      serviceAccountName: 'custom',
      imagePullSecrets: [{ name: 'registry' }],
    });
  });
});

describe('restart hash', () => {
  const hashOf = (target?: LLMGateway, overrides?: Partial<DeploymentInput>) =>
    build(target, overrides).spec?.template.metadata?.annotations?.[restartHashAnnotation];

  it('is stable: equal input gives a byte-equal Deployment', () => {
    expect(dumpYaml(build())).toBe(dumpYaml(build()));
    expect(hashOf()).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes with the image, the environment and the values of Secrets the environment reads', () => {
    const base = hashOf();
    expect(hashOf(undefined, { image: 'registry.example/gateway:1.1.0' })).not.toBe(base);
    expect(hashOf(undefined, { poolLimit: 29 })).not.toBe(base);
    const rotated = secretStore();
    rotated.set('master', { key: toBase64('a new master key') });
    expect(hashOf(undefined, { secrets: rotated })).not.toBe(base);
  });

  it('ignores what the gateway hot-reloads: model credentials and unrelated Secret keys', () => {
    const base = hashOf();
    const changed = secretStore();
    changed.set('openai', { 'api-key': toBase64('a rotated provider key') });
    changed.set('master', { key: toBase64(secretValues.master), unrelated: toBase64('x') });
    expect(hashOf(undefined, { secrets: changed })).toBe(base);
  });
});
