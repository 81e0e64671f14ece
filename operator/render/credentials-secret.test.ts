import { describe, expect, it } from 'vitest';
import { model, postgresGateway, secretStore } from '../test-support/fixtures.ts';
import { toBase64 } from './base64.ts';
import { credentialsSecret } from './credentials-secret.ts';

describe('credentialsSecret', () => {
  const target = postgresGateway();

  it('gathers every referenced credential under <modeldeployment>.<param>, sorted', () => {
    const secrets = secretStore();
    secrets.set('vertex', { sa: toBase64('{"type":"service_account"}') });
    const rendered = credentialsSecret(
      target,
      [
        model('b-openai'),
        model('a-vertex', {
          credentialsSecretRef: undefined,
          params: {
            vertex_credentials: { secretKeyRef: { name: 'vertex', key: 'sa' } },
            vertex_project: { value: 'p' },
          },
        }),
      ],
      secrets,
    );
    expect(rendered.problems).toEqual([]);
    expect(rendered.secret.metadata.name).toBe('main-credentials');
    expect(rendered.secret.data).toEqual({
      'a-vertex.vertex_credentials': toBase64('{"type":"service_account"}'),
      'b-openai.api_key': secretStore().get('openai')?.['api-key'],
    });
    expect(rendered.resolved.map((item) => item.metadata.name)).toEqual(['b-openai', 'a-vertex']);
  });

  it('leaves out a model whose Secret is missing, naming the ref but no value', () => {
    const rendered = credentialsSecret(
      target,
      [model('ok'), model('broken', { credentialsSecretRef: { name: 'missing', key: 'api-key' } })],
      secretStore(),
    );
    expect(rendered.resolved.map((item) => item.metadata.name)).toEqual(['ok']);
    expect(rendered.problems).toEqual([
      {
        subject: 'ModelDeployment/broken',
        condition: 'ResolvedRefs',
        reason: 'SecretNotFound',
        message: 'Secret missing key api-key not found; left out of the gateway config',
        severity: 'error',
      },
    ]);
    expect(Object.keys(rendered.secret.data ?? {})).toEqual(['ok.api_key']);
  });

  it('is owned by the gateway', () => {
    expect(credentialsSecret(target, [], secretStore()).secret.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'switchyard.dev/v1alpha1',
        kind: 'LLMGateway',
        name: 'main',
        uid: 'uid-main',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });
});
