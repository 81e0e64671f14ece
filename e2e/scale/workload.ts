// The fleet: gateways spread round-robin over the namespaces, each with its models and keys. Every gateway
// has a database with migrations on, so each one also gets a migration Job, a PDB, and every n-th an HPA.
import type { ScaleOptions } from './options.ts';

export const image = 'ghcr.io/switchyard-dev/switchyard-gateway:0.1.0';
const group = 'switchyard.dev/v1alpha1';
const sharedSecret = 'scale-shared';

export interface ScaleObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly [field: string]: unknown;
}

export interface Fleet {
  readonly namespaces: readonly string[];
  /** Secrets the gateways and models reference, one per namespace. */
  readonly secrets: readonly ScaleObject[];
  readonly gateways: readonly ScaleObject[];
  readonly models: readonly ScaleObject[];
  readonly virtualKeys: readonly ScaleObject[];
  /** Gateway pods expected to run (one per gateway: fixed replicas 1, or an HPA's minReplicas 1). */
  readonly expectedPods: number;
}

export function fleet(options: ScaleOptions): Fleet {
  const namespaces = Array.from({ length: options.namespaces }, (_, i) => `scale-${i}`);
  const secrets = namespaces.map((namespace) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: sharedSecret, namespace },
    type: 'Opaque',
    stringData: {
      'master-key': 'sk-master-scale-0123456789abcdef',
      'database-url': `postgresql://switchyard:pw@postgres.${namespace}.svc:5432/switchyard`,
      'openai-api-key': 'sk-openai-scale-credential',
    },
  }));
  const gateways: ScaleObject[] = [];
  const models: ScaleObject[] = [];
  const virtualKeys: ScaleObject[] = [];
  for (let g = 0; g < options.gateways; g++) {
    const namespace = namespaces[g % namespaces.length] ?? 'scale-0';
    const name = `gw-${String(g).padStart(4, '0')}`;
    const autoscaled =
      options.autoscaleEvery > 0 && g % options.autoscaleEvery === options.autoscaleEvery - 1;
    gateways.push({
      apiVersion: group,
      kind: 'LLMGateway',
      metadata: { name, namespace },
      spec: {
        image,
        ...(autoscaled ? { autoscaling: { minReplicas: 1, maxReplicas: 2 } } : { replicas: 1 }),
        masterKeySecretRef: { name: sharedSecret, key: 'master-key' },
        database: { urlSecretRef: { name: sharedSecret, key: 'database-url' }, maxConnections: 100 },
        gateway: { requestTimeoutSeconds: 60, numRetries: 1 },
      },
    });
    for (let m = 0; m < options.modelsPerGateway; m++) {
      models.push({
        apiVersion: group,
        kind: 'ModelDeployment',
        metadata: { name: `${name}-m${m}`, namespace },
        spec: {
          gatewayRef: { name },
          modelName: `model-${m}`,
          provider: 'openai',
          model: 'gpt-4o-mini',
          credentialsSecretRef: { name: sharedSecret, key: 'openai-api-key' },
          rpm: 1000,
          pricing: { inputCostPerMillionTokens: '0.15', outputCostPerMillionTokens: '0.60' },
        },
      });
    }
    for (let k = 0; k < options.keysPerGateway; k++) {
      virtualKeys.push({
        apiVersion: group,
        kind: 'VirtualKey',
        metadata: { name: `${name}-k${k}`, namespace },
        spec: {
          gatewayRef: { name },
          keyAlias: `${name}-k${k}`,
          models: [`model-${k % Math.max(options.modelsPerGateway, 1)}`],
          rpmLimit: 100,
          maxBudget: '50',
          budgetDuration: '30d',
        },
      });
    }
  }
  return { namespaces, secrets, gateways, models, virtualKeys, expectedPods: options.gateways };
}

/** The collection URL to POST an object to. */
export function collectionUrl(object: ScaleObject): string {
  const { namespace } = object.metadata;
  switch (object.kind) {
    case 'Secret':
      return `/api/v1/namespaces/${namespace}/secrets`;
    case 'LLMGateway':
      return `/apis/${group}/namespaces/${namespace}/llmgateways`;
    case 'ModelDeployment':
      return `/apis/${group}/namespaces/${namespace}/modeldeployments`;
    case 'VirtualKey':
      return `/apis/${group}/namespaces/${namespace}/virtualkeys`;
    default:
      throw new Error(`no collection for ${object.kind}`);
  }
}
