import type { LLMGateway } from '../api/llm-gateway.ts';
import type { ModelDeployment } from '../api/model-deployment.ts';
import type { ClusterCapabilities } from './capabilities.ts';
import { checkConfig } from './config-check.ts';
import { configMap } from './configmap.ts';
import { credentialsSecret } from './credentials-secret.ts';
import { deployment } from './deployment.ts';
import { envSecretRefs } from './env.ts';
import { horizontalPodAutoscaler } from './hpa.ts';
import type { IssuedKey } from './keys-file.ts';
import { keysSecret } from './keys-secret.ts';
import type { KubeObject } from './kube-object.ts';
import { migrationGate, type MigrationDecision, type MigrationJobState } from './migration-gate.ts';
import { migrationJob } from './migration-job.ts';
import { endpointOf } from './names.ts';
import { podDisruptionBudget } from './pdb.ts';
import { defaultReplicas, gatewayPoolLimit } from './pool-limit.ts';
import type { Problem } from './problems.ts';
import { describeRef, lookup, type SecretStore } from './secret-refs.ts';
import { serviceAccount } from './service-account.ts';
import { serviceMonitor } from './service-monitor.ts';
import { service } from './service.ts';

/** Everything a gateway's desired state depends on, read by the controller (or given offline). */
export interface GatewayRenderInput {
  readonly gateway: LLMGateway;
  /** ModelDeployments of the namespace; those whose gatewayRef names this gateway are its models. */
  readonly models: readonly ModelDeployment[];
  readonly keys: readonly IssuedKey[];
  /** Secrets the gateway and its models reference, by name. */
  readonly secrets: SecretStore;
  readonly capabilities: ClusterCapabilities;
  /** The operator's default image, for gateways that do not pin one. */
  readonly defaultImage: string;
  readonly migration: {
    readonly migratedImage?: string;
    readonly job?: MigrationJobState;
    readonly currentImage?: string;
  };
}

export interface GatewayRender {
  /** What pods mount comes before the pods; applyChildren sends each once what it needs is in (apply-order.ts). */
  readonly objects: readonly KubeObject[];
  readonly status: {
    readonly image: string;
    readonly modelCount: number;
    readonly endpoint: string;
    readonly configHash: string;
    readonly databasePoolLimit?: number;
    readonly migratedImage?: string;
  };
  readonly migration: MigrationDecision;
  readonly problems: readonly Problem[];
}

/** The ModelDeployments whose gatewayRef names this gateway. */
export function gatewayModels(gateway: LLMGateway, models: readonly ModelDeployment[]): ModelDeployment[] {
  const { name, namespace } = gateway.metadata;
  return models.filter(
    (model) => model.metadata.namespace === namespace && model.spec.gatewayRef.name === name,
  );
}

/**
 * The problems of the gateway's render that are about its ModelDeployments (a credential not found), which
 * is all a ModelDeployment's status reports, without rendering the rest: renderGateway finds the same ones.
 */
export function modelProblems(
  gateway: LLMGateway,
  models: readonly ModelDeployment[],
  secrets: SecretStore,
): readonly Problem[] {
  return credentialsSecret(gateway, gatewayModels(gateway, models), secrets).problems;
}

export function renderGateway(input: GatewayRenderInput): GatewayRender {
  const { gateway, capabilities } = input;
  const { name } = gateway.metadata;
  const subject = `LLMGateway/${name}`;
  const problems: Problem[] = [];
  const credentials = credentialsSecret(gateway, gatewayModels(gateway, input.models), input.secrets);
  problems.push(...credentials.problems);
  const config = configMap(gateway, credentials.resolved);
  problems.push(...checkConfig(name, config.config));

  let holdPods = false;
  const pool = gatewayPoolLimit(gateway.spec);
  if (pool?.ok === false) {
    problems.push({
      subject,
      condition: 'ConfigValid',
      reason: 'InvalidPoolLimit',
      message: pool.message,
      severity: 'error',
    });
    holdPods = true;
  }
  const missing = envSecretRefs(gateway.spec).filter((ref) => lookup(input.secrets, ref) === undefined);
  if (missing.length > 0) {
    problems.push({
      subject,
      condition: 'ResolvedRefs',
      reason: 'SecretNotFound',
      message: `${missing.map(describeRef).join(', ')} not found; pods are not rolled until it exists`,
      severity: 'error',
    });
    holdPods = true;
  }

  const desiredImage = gateway.spec.image ?? input.defaultImage;
  const migration = migrationGate({
    gatewayName: name,
    spec: gateway.spec,
    desiredImage,
    migratedImage: input.migration.migratedImage,
    job: input.migration.job,
    currentImage: input.migration.currentImage,
  });
  if (migration.degraded) {
    problems.push({
      subject,
      condition: 'DatabaseMigrated',
      reason: migration.condition.reason,
      message: migration.condition.message,
      severity: 'error',
    });
  }

  const budget = gateway.spec.podDisruptionBudget;
  const fewestPods = gateway.spec.autoscaling?.minReplicas ?? gateway.spec.replicas ?? defaultReplicas;
  if (budget.enabled && typeof budget.minAvailable === 'number' && budget.minAvailable >= fewestPods) {
    problems.push({
      subject,
      condition: 'Ready',
      reason: 'DisruptionBudgetBlocksEvictions',
      message: `podDisruptionBudget.minAvailable ${budget.minAvailable} with ${fewestPods} replicas allows no voluntary eviction: node drains will wait`,
      severity: 'warning',
    });
  }

  const monitor = serviceMonitor(gateway, capabilities);
  if (monitor.problem !== undefined) problems.push(monitor.problem);
  const poolLimit = pool?.ok === true ? pool.limit : undefined;
  const objects: (KubeObject | undefined)[] = [
    serviceAccount(gateway),
    credentials.secret,
    keysSecret(gateway, input.keys),
    config.configMap,
    service(gateway),
    migration.runJob && !holdPods ? migrationJob(gateway, desiredImage) : undefined,
    migration.deploymentImage !== undefined && !holdPods
      ? deployment({
          gateway,
          image: migration.deploymentImage,
          poolLimit,
          secrets: input.secrets,
          capabilities,
        })
      : undefined,
    horizontalPodAutoscaler(gateway),
    podDisruptionBudget(gateway),
    monitor.serviceMonitor,
  ];
  return {
    objects: objects.filter((object) => object !== undefined),
    status: {
      image: desiredImage,
      modelCount: credentials.resolved.length,
      endpoint: endpointOf(gateway),
      configHash: config.hash,
      ...(poolLimit === undefined ? {} : { databasePoolLimit: poolLimit }),
      ...(migration.migratedImage === undefined ? {} : { migratedImage: migration.migratedImage }),
    },
    migration,
    problems,
  };
}
