import type { z } from 'zod';
import { llmGatewaySchema, type LLMGateway, type llmGatewaySpec } from '../api/llm-gateway.ts';
import {
  modelDeploymentSchema,
  type ModelDeployment,
  type modelDeploymentSpec,
} from '../api/model-deployment.ts';
import { virtualKeySchema, type VirtualKey, type virtualKeySpec } from '../api/virtual-key.ts';
import { toBase64 } from '../render/base64.ts';
import type { GatewayRenderInput } from '../render/render-gateway.ts';

/** Test objects parsed with the real schemas, so defaults are applied as the operator sees them. */
export function gateway(spec: Partial<z.input<typeof llmGatewaySpec>> = {}, name = 'main'): LLMGateway {
  return llmGatewaySchema.parse({
    apiVersion: 'switchyard.dev/v1alpha1',
    kind: 'LLMGateway',
    metadata: { name, namespace: 'llm', uid: `uid-${name}`, generation: 1 },
    spec: { masterKeySecretRef: { name: 'master', key: 'key' }, ...spec },
  });
}

export function postgresGateway(
  spec: Partial<z.input<typeof llmGatewaySpec>> = {},
  name = 'main',
): LLMGateway {
  return gateway(
    {
      database: {
        urlSecretRef: { name: 'postgres', key: 'url' },
        maxConnections: 100,
        reservedConnections: 10,
      },
      redis: { host: 'redis.llm.svc', passwordSecretRef: { name: 'redis', key: 'password' } },
      ...spec,
    },
    name,
  );
}

export function model(
  name: string,
  spec: Partial<z.input<typeof modelDeploymentSpec>> = {},
): ModelDeployment {
  return modelDeploymentSchema.parse({
    apiVersion: 'switchyard.dev/v1alpha1',
    kind: 'ModelDeployment',
    metadata: { name, namespace: 'llm', uid: `uid-${name}` },
    spec: {
      gatewayRef: { name: 'main' },
      modelName: 'gpt-4o',
      provider: 'openai',
      model: 'gpt-4o',
      credentialsSecretRef: { name: 'openai', key: 'api-key' },
      ...spec,
    },
  });
}

export function virtualKey(name: string, spec: Partial<z.input<typeof virtualKeySpec>> = {}): VirtualKey {
  return virtualKeySchema.parse({
    apiVersion: 'switchyard.dev/v1alpha1',
    kind: 'VirtualKey',
    metadata: { name, namespace: 'llm', uid: `uid-${name}` },
    spec: { gatewayRef: { name: 'main' }, ...spec },
  });
}

/** Distinctive values: a test that finds one outside a Secret's data has found a leak. */
export const secretValues = {
  master: 'sk-master-CANARY-1',
  postgres: 'postgres://app:CANARY-2@db:5432/app',
  redis: 'CANARY-3',
  openai: 'sk-openai-CANARY-4',
  anthropic: 'sk-ant-CANARY-5',
} as const;

export function secretStore(): Map<string, Record<string, string>> {
  return new Map([
    ['master', { key: toBase64(secretValues.master) }],
    ['postgres', { url: toBase64(secretValues.postgres) }],
    ['redis', { password: toBase64(secretValues.redis) }],
    ['openai', { 'api-key': toBase64(secretValues.openai) }],
    ['anthropic', { 'api-key': toBase64(secretValues.anthropic) }],
  ]);
}

export function renderInput(overrides: Partial<GatewayRenderInput> = {}): GatewayRenderInput {
  return {
    gateway: postgresGateway(),
    models: [model('gpt-4o-openai')],
    keys: [],
    secrets: secretStore(),
    capabilities: { kubernetesMinor: 36, serviceMonitor: true },
    defaultImage: 'registry.example/gateway:1.0.0',
    migration: { migratedImage: 'registry.example/gateway:1.0.0' },
    ...overrides,
  };
}
