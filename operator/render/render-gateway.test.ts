import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { model, postgresGateway, renderInput, secretValues, virtualKey } from '../test-support/fixtures.ts';
import { sha256 } from './hash.ts';
import type { Applied } from './kube-object.ts';
import { renderGateway } from './render-gateway.ts';
import { dumpDocuments } from './yaml.ts';

const kindsOf = (objects: readonly { kind: string }[]) => objects.map((object) => object.kind);

describe('renderGateway', () => {
  it('builds every child, in apply order', () => {
    const rendered = renderGateway(
      renderInput({
        gateway: postgresGateway({ autoscaling: { maxReplicas: 5 }, serviceMonitor: { enabled: true } }),
        migration: {
          migratedImage: 'registry.example/gateway:0.9.0',
          currentImage: 'registry.example/gateway:0.9.0',
          job: 'succeeded',
        },
      }),
    );
    expect(kindsOf(rendered.objects)).toEqual([
      'ServiceAccount',
      'Secret',
      'Secret',
      'ConfigMap',
      'Service',
      'Job',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'ServiceMonitor',
    ]);
    expect(rendered.problems).toEqual([]);
  });

  it('gives byte-equal output for equal input, whatever the order of the lists', () => {
    const models = [
      model('b', { modelName: 'x' }),
      model('a', { modelName: 'y' }),
      model('c', { modelName: 'x' }),
    ];
    const keys = [
      { virtualKey: virtualKey('k2'), hash: sha256('2') },
      { virtualKey: virtualKey('k1'), hash: sha256('1') },
    ];
    const first = dumpDocuments(renderGateway(renderInput({ models, keys })).objects);
    const again = dumpDocuments(renderGateway(renderInput({ models, keys })).objects);
    const shuffled = dumpDocuments(
      renderGateway(renderInput({ models: [...models].reverse(), keys: [...keys].reverse() })).objects,
    );
    expect(again).toBe(first);
    expect(shuffled).toBe(first);
  });

  it('owns every child', () => {
    for (const object of renderGateway(renderInput()).objects) {
      expect(object.metadata.ownerReferences, `${object.kind}/${object.metadata.name}`).toEqual([
        expect.objectContaining({ kind: 'LLMGateway', name: 'main', uid: 'uid-main', controller: true }),
      ]);
    }
  });

  it('puts no secret value in any object but the credentials Secret', () => {
    const objects = renderGateway(renderInput()).objects.filter(
      (object) => object.metadata.name !== 'main-credentials',
    );
    const text = dumpDocuments(objects);
    for (const value of Object.values(secretValues)) expect(text).not.toContain(value);
  });

  it('reports what the status shows', () => {
    const rendered = renderGateway(renderInput());
    const { configHash, ...status } = rendered.status;
    expect(configHash).toMatch(/^[0-9a-f]{16}$/);
    expect(status).toEqual({
      image: 'registry.example/gateway:1.0.0',
      modelCount: 1,
      endpoint: 'http://main.llm.svc:4000/v1',
      databasePoolLimit: 30,
      migratedImage: 'registry.example/gateway:1.0.0',
    });
  });

  it('renders only the models that reference this gateway', () => {
    const models = [model('mine'), model('theirs', { gatewayRef: { name: 'other' } })];
    const rendered = renderGateway(renderInput({ models }));
    expect(rendered.status.modelCount).toBe(1);
    const config = rendered.objects.find((object) => object.kind === 'ConfigMap') as {
      data?: Record<string, string>;
    };
    expect(config.data?.['config.yaml']).toContain('id: mine');
    expect(config.data?.['config.yaml']).not.toContain('theirs');
  });

  it('holds the pods and the Job when the pool limit would be below 1, with the numbers', () => {
    const rendered = renderGateway(
      renderInput({
        gateway: postgresGateway({
          autoscaling: { maxReplicas: 50 },
          database: {
            urlSecretRef: { name: 'postgres', key: 'url' },
            maxConnections: 40,
            reservedConnections: 10,
          },
        }),
      }),
    );
    expect(kindsOf(rendered.objects)).not.toContain('Deployment');
    expect(rendered.problems).toEqual([
      expect.objectContaining({ condition: 'ConfigValid', reason: 'InvalidPoolLimit', severity: 'error' }),
    ]);
    expect(rendered.problems[0]?.message).toContain('30 connections for 51 pods');
  });

  it('holds the pods while a Secret the environment reads is missing', () => {
    const secrets = new Map(renderInput().secrets);
    secrets.delete('master');
    const rendered = renderGateway(renderInput({ secrets }));
    expect(kindsOf(rendered.objects)).not.toContain('Deployment');
    expect(rendered.problems).toEqual([
      expect.objectContaining({ condition: 'ResolvedRefs', reason: 'SecretNotFound' }),
    ]);
    expect(rendered.problems[0]?.message).toContain('Secret master key key not found');
  });

  it('waits for the migration before the first Deployment, and reports a failed one', () => {
    const waiting = renderGateway(renderInput({ migration: {} }));
    expect(kindsOf(waiting.objects)).toContain('Job');
    expect(kindsOf(waiting.objects)).not.toContain('Deployment');
    expect(waiting.migration.condition.reason).toBe('Migrating');

    const failed = renderGateway(
      renderInput({ migration: { job: 'failed', currentImage: 'registry.example/gateway:0.9.0' } }),
    );
    const deployment = failed.objects.find((object) => object.kind === 'Deployment') as
      Applied<V1Deployment> | undefined;
    expect(deployment?.spec?.template.spec?.containers[0]?.image).toBe('registry.example/gateway:0.9.0');
    expect(failed.problems).toEqual([
      expect.objectContaining({ condition: 'DatabaseMigrated', reason: 'MigrationFailed' }),
    ]);
  });

  it('warns when the disruption budget would block every node drain', () => {
    const rendered = renderGateway(
      renderInput({ gateway: postgresGateway({ replicas: 2, podDisruptionBudget: { minAvailable: 2 } }) }),
    );
    expect(rendered.problems).toEqual([
      expect.objectContaining({ reason: 'DisruptionBudgetBlocksEvictions', severity: 'warning' }),
    ]);
    expect(kindsOf(rendered.objects)).toContain('PodDisruptionBudget');
  });

  it('uses the default image when the gateway pins none', () => {
    const rendered = renderGateway(renderInput({ defaultImage: 'registry.example/gateway:1.0.0' }));
    expect(rendered.status.image).toBe('registry.example/gateway:1.0.0');
    const pinned = renderGateway(
      renderInput({ gateway: postgresGateway({ image: 'registry.example/gateway:pinned' }) }),
    );
    expect(pinned.status.image).toBe('registry.example/gateway:pinned');
  });
});
