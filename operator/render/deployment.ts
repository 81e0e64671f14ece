import type {
  V1Container,
  V1Deployment,
  V1ResourceRequirements,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import type { LLMGateway, LLMGatewaySpec } from '../api/llm-gateway.ts';
import type { ClusterCapabilities } from './capabilities.ts';
import { containerArgs, mounts, ports } from './contract.ts';
import { gatewayEnv } from './env.ts';
import { gatewayLabels, selectorLabels } from './labels.ts';
import { childNames } from './names.ts';
import { ownerReference } from './owner.ts';
import { defaultReplicas, maxSurge } from './pool-limit.ts';
import { lifecycle, probes, terminationGracePeriodSeconds } from './probes.ts';
import { restartHash, restartHashAnnotation } from './restart-hash.ts';
import type { SecretStore } from './secret-refs.ts';
import { containerSecurityContext, podSecurityContext } from './security.ts';
import { podOverrides, topologySpread } from './pod-overrides.ts';
import { serviceAccountName } from './service-account.ts';
import type { Applied, Plain } from './kube-object.ts';

export interface DeploymentInput {
  readonly gateway: LLMGateway;
  /** The image the pods may run now: the migration gate holds it back until the migration succeeded. */
  readonly image: string;
  readonly poolLimit: number | undefined;
  readonly secrets: SecretStore;
  readonly capabilities: ClusterCapabilities;
}

/** Requests matter beyond scheduling: the HPA's utilisation targets are percentages of them. */
export const defaultResources = { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } };

export function deployment(input: DeploymentInput): Applied<V1Deployment> {
  const { gateway, image } = input;
  const spec = gateway.spec;
  const name = gateway.metadata.name;
  const env = gatewayEnv(spec, input.poolLimit);
  const container: Plain<V1Container> = {
    name: 'gateway',
    image,
    ...(spec.imagePullPolicy === undefined ? {} : { imagePullPolicy: spec.imagePullPolicy }),
    args: [...containerArgs.serve],
    ports: [
      { name: ports.http.name, containerPort: ports.http.port, protocol: 'TCP' },
      { name: ports.health.name, containerPort: ports.health.port, protocol: 'TCP' },
    ],
    env,
    resources: resources(spec),
    volumeMounts: volumeMounts(),
    ...probes(),
    ...optional('lifecycle', lifecycle(spec, input.capabilities)),
    securityContext: containerSecurityContext(),
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: childNames(name).deployment,
      namespace: gateway.metadata.namespace,
      labels: gatewayLabels(gateway),
      ownerReferences: [ownerReference('LLMGateway', gateway.metadata)],
    },
    spec: {
      // Under an HPA the field is left out: applying it would fight the autoscaler at every reconcile.
      ...(spec.autoscaling === undefined ? { replicas: spec.replicas ?? defaultReplicas } : {}),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: { ...spec.pod?.labels, ...gatewayLabels(gateway) },
          annotations: {
            ...spec.pod?.annotations,
            'kubectl.kubernetes.io/default-container': 'gateway',
            [restartHashAnnotation]: restartHash(spec, image, env, input.secrets),
          },
        },
        spec: {
          serviceAccountName: serviceAccountName(gateway),
          // The gateway never calls the Kubernetes API.
          automountServiceAccountToken: false,
          // Service links would inject REDIS_PORT=tcp://... for a Service named redis, breaking REDIS_PORT.
          enableServiceLinks: false,
          terminationGracePeriodSeconds: terminationGracePeriodSeconds(spec),
          securityContext: podSecurityContext(),
          ...podOverrides(spec),
          topologySpreadConstraints: topologySpread(spec, name),
          containers: [container],
          volumes: volumes(name),
        },
      },
    },
  };
}

function resources(spec: LLMGatewaySpec): Plain<V1ResourceRequirements> {
  const given = spec.resources;
  if (given === undefined) return structuredClone(defaultResources);
  const out: Plain<V1ResourceRequirements> = {};
  if (given.requests !== undefined) out.requests = quantities(given.requests);
  if (given.limits !== undefined) out.limits = quantities(given.limits);
  return out;
}

function quantities(values: Readonly<Record<string, string | number>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, String(value)]));
}

function volumeMounts(): Plain<V1VolumeMount>[] {
  return [
    { name: 'config', mountPath: mounts.config.dir, readOnly: true },
    { name: 'keys', mountPath: mounts.keys.dir, readOnly: true },
    { name: 'credentials', mountPath: mounts.credentials.dir, readOnly: true },
    { name: 'tmp', mountPath: mounts.tmp.dir },
  ];
}

function volumes(gatewayName: string): Plain<V1Volume>[] {
  const names = childNames(gatewayName);
  return [
    { name: 'config', configMap: { name: names.config } },
    { name: 'keys', secret: { secretName: names.keys } },
    { name: 'credentials', secret: { secretName: names.credentials } },
    // The root filesystem is read-only; Node and the embedded store need a scratch directory.
    { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
  ];
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
