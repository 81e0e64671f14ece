import { describe, expect, it } from 'vitest';
import { llmGatewaySpec } from './llm-gateway.ts';
import { createProviderRegistry } from '../../gateway/providers/registry.ts';
import { modelDeploymentSpec, providers } from './model-deployment.ts';
import { virtualKeySpec } from './virtual-key.ts';

const master = { masterKeySecretRef: { name: 'master', key: 'key' } };
const database = { urlSecretRef: { name: 'pg', key: 'url' } };
const mdBase = { gatewayRef: { name: 'main' }, modelName: 'gpt-4o', provider: 'openai', model: 'gpt-4o' };

function messages(result: { success: boolean; error?: { issues: { message: string }[] } }): string[] {
  return result.success ? [] : (result.error?.issues.map((issue) => issue.message) ?? []);
}

describe('LLMGateway spec', () => {
  it('applies the documented defaults', () => {
    const spec = llmGatewaySpec.parse({ ...master, database, autoscaling: { maxReplicas: 5 } });
    expect(spec.autoscaling).toEqual({
      minReplicas: 2,
      maxReplicas: 5,
      targetCPUUtilizationPercentage: 60,
      targetMemoryUtilizationPercentage: 80,
    });
    expect(spec.database).toMatchObject({
      maxConnections: 100,
      reservedConnections: 10,
      migrations: { enabled: true },
    });
    expect(spec.gateway.requestTimeoutSeconds).toBe(600);
    expect(spec.shutdown).toEqual({ preStopDelaySeconds: 10, acceptDelaySeconds: 5, flushMarginSeconds: 15 });
    expect(spec.service).toEqual({ type: 'ClusterIP', port: 4000 });
    expect(spec.podDisruptionBudget).toEqual({ enabled: true });
  });

  // Each case mirrors a CEL rule in the CRD, so offline render refuses what the apiserver refuses.
  it.each([
    [{ replicas: 2, autoscaling: { maxReplicas: 4 } }, 'set replicas or autoscaling, not both'],
    [{ autoscaling: { minReplicas: 5, maxReplicas: 4 } }, 'minReplicas must not exceed maxReplicas'],
    [
      { podDisruptionBudget: { minAvailable: 1, maxUnavailable: '10%' } },
      'set at most one of minAvailable and maxUnavailable',
    ],
    [
      { database: { ...database, maxConnections: 10, reservedConnections: 10 } },
      'reservedConnections must be less than maxConnections',
    ],
    [{ gateway: { cache: { enabled: true } } }, 'a redis cache needs spec.redis'],
  ])('rejects %j', (spec, message) => {
    expect(messages(llmGatewaySpec.safeParse({ ...master, ...spec }))).toContain(message);
  });

  it.each([
    [{ replicas: 3 }],
    [{ autoscaling: { minReplicas: 4, maxReplicas: 4 } }],
    [{ podDisruptionBudget: { maxUnavailable: '25%' } }],
    [{ gateway: { cache: { enabled: true, type: 'local' } } }],
  ])('accepts %j', (spec) => {
    expect(messages(llmGatewaySpec.safeParse({ ...master, ...spec }))).toEqual([]);
  });

  it('checks bounds and enums', () => {
    expect(llmGatewaySpec.safeParse({ ...master, replicas: -1 }).success).toBe(false);
    expect(llmGatewaySpec.safeParse({ ...master, gateway: { routingStrategy: 'round-robin' } }).success).toBe(
      false,
    );
    expect(
      llmGatewaySpec.safeParse({ ...master, podDisruptionBudget: { minAvailable: 'half' } }).success,
    ).toBe(false);
  });
});

describe('ModelDeployment spec', () => {
  it.each([
    [{ provider: 'azure' }, 'azure and hosted_vllm need apiBase'],
    [{ provider: 'hosted_vllm' }, 'azure and hosted_vllm need apiBase'],
    [
      { params: { api_key: { value: 'sk-x' } } },
      'params cannot set api_key or model; use credentialsSecretRef and model',
    ],
    [{ params: { vertex_project: {} } }, 'set exactly one of value and secretKeyRef'],
    [
      { params: { aws_secret_access_key: { value: 'inline' } } },
      'a credential param (name ending in key, token, secret, password or credentials) needs a secretKeyRef',
    ],
    [
      { params: { vertex_credentials: { value: '{}' } } },
      'a credential param (name ending in key, token, secret, password or credentials) needs a secretKeyRef',
    ],
    [
      { params: { vertex_project: { value: 'p', secretKeyRef: { name: 's', key: 'k' } } } },
      'set exactly one of value and secretKeyRef',
    ],
  ])('rejects %j', (spec, message) => {
    expect(messages(modelDeploymentSpec.safeParse({ ...mdBase, ...spec }))).toContain(message);
  });

  it('offers exactly the providers the gateway serves', () => {
    const served = [...createProviderRegistry().keys()].sort();
    expect([...providers].sort()).toEqual(served);
  });

  it('accepts literal and Secret-valued params', () => {
    const parsed = modelDeploymentSpec.parse({
      ...mdBase,
      params: {
        max_tokens: { value: 100 },
        vertex_credentials: { secretKeyRef: { name: 'sa', key: 'json' } },
      },
    });
    expect(parsed.params?.max_tokens?.value).toBe(100);
  });

  it('takes prices as decimal strings, not floats', () => {
    expect(
      modelDeploymentSpec.safeParse({ ...mdBase, pricing: { inputCostPerMillionTokens: '2.50' } }).success,
    ).toBe(true);
    expect(
      modelDeploymentSpec.safeParse({ ...mdBase, pricing: { inputCostPerMillionTokens: 2.5 } }).success,
    ).toBe(false);
  });
});

describe('VirtualKey spec', () => {
  const base = { gatewayRef: { name: 'main' } };
  it.each([
    [
      { secretName: 'a', existingSecretRef: { name: 'b', key: 'k' } },
      'set secretName or existingSecretRef, not both',
    ],
    [
      { existingSecretRef: { name: 'b', key: 'k' }, rotation: { trigger: '1' } },
      'rotation applies to generated keys only; rotate an existing Secret yourself',
    ],
  ])('rejects %j', (spec, message) => {
    expect(messages(virtualKeySpec.safeParse({ ...base, ...spec }))).toContain(message);
  });

  it('validates durations and times as the keys file does', () => {
    expect(
      virtualKeySpec.safeParse({ ...base, budgetDuration: '1mo', expires: '2027-01-01T00:00:00Z' }).success,
    ).toBe(true);
    expect(virtualKeySpec.safeParse({ ...base, budgetDuration: '3w' }).success).toBe(false);
    expect(virtualKeySpec.safeParse({ ...base, expires: 'tomorrow' }).success).toBe(false);
  });

  it('defaults the rotation overlap to a day', () => {
    expect(virtualKeySpec.parse({ ...base, rotation: { trigger: 'x' } }).rotation?.overlapSeconds).toBe(
      86400,
    );
  });
});
