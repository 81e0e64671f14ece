import { describe, expect, it } from 'vitest';
import { gateway, postgresGateway } from '../test-support/fixtures.ts';
import { migrationGate, type MigrationObservation } from './migration-gate.ts';

const v1 = 'registry.example/gateway:1.0.0';
const v2 = 'registry.example/gateway:2.0.0';

function gate(overrides: Partial<MigrationObservation>) {
  return migrationGate({
    gatewayName: 'main',
    spec: postgresGateway().spec,
    desiredImage: v2,
    migratedImage: v1,
    job: undefined,
    currentImage: v1,
    ...overrides,
  });
}

describe('migrationGate', () => {
  it('holds the pods on the old image and starts the Job for a new one', () => {
    const decision = gate({});
    expect(decision).toMatchObject({ runJob: true, deploymentImage: v1, migratedImage: v1, degraded: false });
    expect(decision.condition).toMatchObject({ status: 'False', reason: 'Migrating' });
    expect(decision.condition.message).toContain('main-migrate-');
  });

  it('keeps holding while the Job runs', () => {
    expect(gate({ job: 'running' })).toMatchObject({ runJob: true, deploymentImage: v1 });
  });

  it('rolls to the new image once the Job succeeded, and records it', () => {
    const decision = gate({ job: 'succeeded' });
    expect(decision).toMatchObject({ deploymentImage: v2, migratedImage: v2, degraded: false });
    expect(decision.condition).toMatchObject({ status: 'True', reason: 'Migrated' });
  });

  it('does not run the Job again once status records the image (after the TTL removed it)', () => {
    expect(gate({ migratedImage: v2, currentImage: v2 })).toMatchObject({
      runJob: false,
      deploymentImage: v2,
    });
  });

  it('degrades on a failed Job and keeps the old pods serving', () => {
    const decision = gate({ job: 'failed' });
    expect(decision).toMatchObject({ runJob: true, deploymentImage: v1, migratedImage: v1, degraded: true });
    expect(decision.condition.reason).toBe('MigrationFailed');
    expect(decision.condition.message).toContain(`pods stay on ${v1}`);
  });

  it('creates no Deployment on a first install until the first migration succeeded', () => {
    expect(gate({ migratedImage: undefined, currentImage: undefined }).deploymentImage).toBeUndefined();
    expect(
      gate({ migratedImage: undefined, currentImage: undefined, job: 'succeeded' }).deploymentImage,
    ).toBe(v2);
  });

  it('passes the image through without a database or with migrations off', () => {
    expect(gate({ spec: gateway().spec })).toMatchObject({ runJob: false, deploymentImage: v2 });
    expect(gate({ spec: gateway().spec }).condition.reason).toBe('NoDatabase');
    const off = postgresGateway({
      database: { urlSecretRef: { name: 'postgres', key: 'url' }, migrations: { enabled: false } },
    }).spec;
    expect(gate({ spec: off })).toMatchObject({ runJob: false, deploymentImage: v2 });
    expect(gate({ spec: off }).condition.reason).toBe('MigrationsDisabled');
  });
});
