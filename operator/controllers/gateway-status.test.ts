import { describe, expect, it } from 'vitest';
import { renderGateway } from '../render/render-gateway.ts';
import { postgresGateway, renderInput } from '../test-support/fixtures.ts';
import { gatewayStatus } from './gateway-status.ts';
import type { GatewayStatusInput } from './gateway-status.ts';
import type { DeploymentJson } from './kube-json.ts';

const clock = { now: () => Date.parse('2026-12-01T10:00:00Z') };
const image = 'registry.example/gateway:1.0.0';

function liveDeployment(
  overrides: { image?: string; generation?: number; status?: NonNullable<DeploymentJson['status']> } = {},
): DeploymentJson {
  return {
    metadata: { name: 'main', namespace: 'llm', generation: overrides.generation ?? 2 },
    spec: {
      replicas: 2,
      template: { spec: { containers: [{ name: 'gateway', image: overrides.image ?? image }] } },
    },
    status: overrides.status ?? {
      observedGeneration: 2,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    },
  };
}

function statusOf(overrides: Partial<GatewayStatusInput> = {}, input = renderInput()) {
  return gatewayStatus({
    gateway: input.gateway,
    render: renderGateway(input),
    applyProblems: [],
    deployment: liveDeployment(),
    deploymentChanged: false,
    previous: undefined,
    clock,
    ...overrides,
  });
}

const conditions = (result: ReturnType<typeof statusOf>) =>
  Object.fromEntries(result.status.conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));

describe('gatewayStatus', () => {
  it('is Ready when the Deployment is rolled out on the desired image, with every condition stamped', () => {
    const result = statusOf();
    expect(conditions(result)).toEqual({
      Ready: 'True/Available',
      Progressing: 'False/RolloutComplete',
      Degraded: 'False/AsExpected',
      ConfigValid: 'True/Valid',
      ResolvedRefs: 'True/Resolved',
      DatabaseMigrated: 'True/Migrated',
    });
    expect(result.progressing).toBe(false);
    expect(result.status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      modelCount: 1,
      image,
    });
    expect(result.status.conditions.every((c) => c.observedGeneration === 1)).toBe(true);
  });

  it('gives byte-equal status when recomputed from its own output later (no write in steady state)', () => {
    const first = statusOf();
    const later = gatewayStatus({
      gateway: renderInput().gateway,
      render: renderGateway(renderInput()),
      applyProblems: [],
      deployment: liveDeployment(),
      deploymentChanged: false,
      previous: first.status.conditions,
      clock: { now: () => clock.now() + 3_600_000 },
    });
    expect(JSON.stringify(later.status)).toBe(JSON.stringify(first.status));
  });

  it('is Progressing while a new template rolls out, and after this pass applied one', () => {
    const rolling = statusOf({
      deployment: liveDeployment({
        status: { observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 2 },
      }),
    });
    expect(conditions(rolling)).toMatchObject({ Ready: 'False/RollingOut', Progressing: 'True/RollingOut' });
    expect(rolling.progressing).toBe(true);
    expect(conditions(statusOf({ deploymentChanged: true }))).toMatchObject({
      Ready: 'False/RollingOut',
      Progressing: 'True/RollingOut',
    });
  });

  it('reports a Deployment this pass applied as its watch will show it: no write replaced at once', () => {
    // As the apiserver returns a new template: a new generation the Deployment controller has not seen.
    const applied = liveDeployment({
      generation: 3,
      status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
    });
    const now = statusOf({ deployment: applied, deploymentChanged: true });
    expect(conditions(now)).toMatchObject({ Ready: 'False/RollingOut', Progressing: 'True/RollingOut' });
    expect(now.status.conditions.find((c) => c.type === 'Ready')?.message).toBe(
      'the Deployment controller has not seen the new pod template yet',
    );
    const fromWatch = statusOf({ deployment: applied, previous: now.status.conditions });
    expect(JSON.stringify(fromWatch.status)).toBe(JSON.stringify(now.status));
    // A first Deployment is reported rolling out, not pending, once its apply returned it.
    const created = statusOf({
      deployment: { ...liveDeployment({ generation: 1 }), status: {} },
      deploymentChanged: true,
    });
    expect(conditions(created)).toMatchObject({ Ready: 'False/RollingOut', Progressing: 'True/RollingOut' });
    expect(conditions(statusOf({ deployment: undefined, deploymentChanged: true }))).toMatchObject({
      Ready: 'False/DeploymentPending',
      Progressing: 'True/Updating',
    });
  });

  it('stays Ready while an HPA scales up: only the template rollout counts', () => {
    const scaling = statusOf({
      deployment: liveDeployment({
        status: {
          observedGeneration: 2,
          replicas: 3,
          updatedReplicas: 3,
          availableReplicas: 2,
          readyReplicas: 2,
        },
      }),
    });
    expect(conditions(scaling).Ready).toBe('True/Available');
  });

  it('waits for the migration of a new image, then degrades when it failed, the old pods serving', () => {
    const input = renderInput({
      gateway: postgresGateway({ image: 'registry.example/gateway:2.0.0' }),
      migration: { migratedImage: image, job: 'running', currentImage: image },
    });
    const migrating = statusOf({}, input);
    expect(conditions(migrating)).toMatchObject({
      Ready: 'False/Migrating',
      Progressing: 'True/Migrating',
      Degraded: 'False/AsExpected',
      DatabaseMigrated: 'False/Migrating',
    });
    const failed = statusOf({}, { ...input, migration: { ...input.migration, job: 'failed' } });
    expect(conditions(failed)).toMatchObject({
      Ready: 'False/MigrationFailed',
      Degraded: 'True/MigrationFailed',
      DatabaseMigrated: 'False/MigrationFailed',
    });
    expect(failed.status.migratedImage).toBe(image);
    expect(failed.status.readyReplicas).toBe(2);
  });

  it('degrades on a missing Secret or an impossible pool limit, with the numbers', () => {
    const missing = statusOf({}, renderInput({ secrets: new Map() }));
    expect(conditions(missing)).toMatchObject({
      ResolvedRefs: 'False/SecretNotFound',
      Degraded: 'True/SecretNotFound',
    });
    const tight = statusOf(
      { deployment: undefined },
      renderInput({
        gateway: postgresGateway({
          replicas: 20,
          database: {
            urlSecretRef: { name: 'postgres', key: 'url' },
            maxConnections: 10,
            reservedConnections: 5,
          },
        }),
      }),
    );
    const configValid = tight.status.conditions.find((c) => c.type === 'ConfigValid');
    expect(configValid).toMatchObject({ status: 'False', reason: 'InvalidPoolLimit' });
    expect(configValid?.message).toContain('maxConnections 10 - reservedConnections 5');
    expect(conditions(tight)).toMatchObject({
      Progressing: 'False/Blocked',
      Ready: 'False/InvalidPoolLimit',
    });
  });

  it('reports refused applies and a deadline the Deployment exceeded', () => {
    const refused = statusOf({
      applyProblems: [
        {
          subject: 'LLMGateway/main',
          condition: 'Ready',
          reason: 'ApplyFailed',
          message: 'applying Service main failed: 422',
          severity: 'error',
        },
      ],
    });
    expect(conditions(refused)).toMatchObject({ Ready: 'False/ApplyFailed', Degraded: 'True/ApplyFailed' });
    const stuck = statusOf({
      deployment: liveDeployment({
        status: {
          observedGeneration: 2,
          replicas: 3,
          updatedReplicas: 1,
          availableReplicas: 2,
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
        },
      }),
    });
    expect(conditions(stuck)).toMatchObject({
      Degraded: 'True/ProgressDeadlineExceeded',
      Progressing: 'False/Blocked',
    });
  });
});
