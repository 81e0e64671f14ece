import { describe, expect, it } from 'vitest';
import { gateway, model, virtualKey } from '../test-support/fixtures.ts';
import {
  keysForChild,
  keysForGateway,
  keysForMigrationPod,
  keysForModel,
  keysForSecret,
  keysForVirtualKey,
} from './event-mapping.ts';
import type { Members } from './event-mapping.ts';

const members: Members = {
  gateways: [gateway({ database: { urlSecretRef: { name: 'postgres', key: 'url' } } }), gateway({}, 'other')],
  models: [
    model('gpt-4o-openai'),
    model('claude', {
      provider: 'anthropic',
      credentialsSecretRef: { name: 'anthropic', key: 'api-key' },
      gatewayRef: { name: 'other' },
    }),
  ],
  virtualKeys: [
    virtualKey('team-a'),
    virtualKey('team-b', { existingSecretRef: { name: 'legacy', key: 'key' } }),
    virtualKey('team-c', { gatewayRef: { name: 'other' }, secretName: 'team-c-llm' }),
  ],
};

const secret = (name: string, owner?: { kind: string; name: string }) => ({
  metadata: {
    name,
    namespace: 'llm',
    ...(owner
      ? { ownerReferences: [{ apiVersion: 'switchyard.dev/v1alpha1', ...owner, uid: 'u', controller: true }] }
      : {}),
  },
});

describe('event mapping', () => {
  it('sends a migration pod that exited 0 to the gateway its instance label names, and no other step', () => {
    const labels = { 'app.kubernetes.io/instance': 'main', 'app.kubernetes.io/component': 'migration' };
    const pod = (phase: string, withLabels: Record<string, string> = labels) => ({
      metadata: { name: 'main-migrate-x', namespace: 'llm', labels: withLabels },
      status: { phase },
    });
    expect(keysForMigrationPod(pod('Succeeded'))).toEqual(['LLMGateway:llm/main']);
    expect(keysForMigrationPod(pod('Running'))).toEqual([]);
    expect(keysForMigrationPod(pod('Failed'))).toEqual([]);
    expect(keysForMigrationPod(pod('Succeeded', {}))).toEqual([]);
  });

  it('sends a gateway change to the gateway and to its own models and keys', () => {
    expect(keysForGateway('llm', 'main', members)).toEqual([
      'LLMGateway:llm/main',
      'ModelDeployment:llm/gpt-4o-openai',
      'VirtualKey:llm/team-a',
      'VirtualKey:llm/team-b',
    ]);
  });

  it('sends a model or key change to itself and its gateway', () => {
    expect(keysForModel(model('m', { gatewayRef: { name: 'other' } }))).toEqual([
      'ModelDeployment:llm/m',
      'LLMGateway:llm/other',
    ]);
    expect(keysForVirtualKey(virtualKey('k'))).toEqual(['VirtualKey:llm/k', 'LLMGateway:llm/main']);
  });

  it('sends a child to its controlling owner, and ignores objects that are not ours', () => {
    expect(keysForChild(secret('main-config', { kind: 'LLMGateway', name: 'main' }))).toEqual([
      'LLMGateway:llm/main',
    ]);
    expect(keysForChild(secret('team-a', { kind: 'VirtualKey', name: 'team-a' }))).toEqual([
      'VirtualKey:llm/team-a',
    ]);
    expect(keysForChild(secret('x'))).toEqual([]);
    expect(
      keysForChild({
        metadata: {
          namespace: 'llm',
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'u', controller: true },
          ],
        },
      }),
    ).toEqual([]);
  });

  it('sends a Secret to everyone who reads it', () => {
    expect(keysForSecret(secret('postgres'), members)).toEqual(['LLMGateway:llm/main']);
    // A model's credential: the model (its ResolvedRefs) and its gateway (the credentials Secret).
    expect(keysForSecret(secret('openai'), members)).toEqual([
      'ModelDeployment:llm/gpt-4o-openai',
      'LLMGateway:llm/main',
    ]);
    expect(keysForSecret(secret('anthropic'), members)).toEqual([
      'ModelDeployment:llm/claude',
      'LLMGateway:llm/other',
    ]);
    // A key's Secret: the key and its gateway (the hash in the keys file).
    expect(keysForSecret(secret('legacy'), members)).toEqual([
      'VirtualKey:llm/team-b',
      'LLMGateway:llm/main',
    ]);
    expect(keysForSecret(secret('team-c-llm', { kind: 'VirtualKey', name: 'team-c' }), members)).toEqual([
      'VirtualKey:llm/team-c',
      'LLMGateway:llm/other',
    ]);
    expect(keysForSecret(secret('unrelated'), members)).toEqual([]);
  });
});
