import { describe, expect, it } from 'vitest';
import { postgresGateway } from '../test-support/fixtures.ts';
import { sha256 } from './hash.ts';
import { migrationJob, migrationJobName } from './migration-job.ts';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('migrationJobName', () => {
  it('is deterministic, per gateway and image', () => {
    const name = migrationJobName('main', 'registry.example/gateway:1.0.0');
    expect(name).toBe(migrationJobName('main', 'registry.example/gateway:1.0.0'));
    expect(name).toMatch(/^main-migrate-[0-9a-f]{10}$/);
    expect(migrationJobName('main', 'registry.example/gateway:1.1.0')).not.toBe(name);
    expect(migrationJobName('other', 'registry.example/gateway:1.0.0')).not.toBe(
      name.replace('main', 'other'),
    );
  });

  it('fits in 63 characters for the longest gateway name, keeping the hash', () => {
    const long = 'a'.repeat(40) + '-' + 'b'.repeat(7);
    const name = migrationJobName(long, 'img:1');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(dnsLabel);
    expect(name.endsWith(`-migrate-${sha256(`${long}\u0000img:1`).slice(0, 10)}`)).toBe(true);
    // Two long names sharing the cut prefix still get different Jobs.
    expect(migrationJobName(`${'c'.repeat(44)}-x`, 'img:1')).not.toBe(
      migrationJobName(`${'c'.repeat(44)}-y`, 'img:1'),
    );
  });

  it('never leaves a dash before the infix when the cut lands on one', () => {
    const name = migrationJobName(`${'a'.repeat(43)}-bbbb`, 'img');
    expect(name).toMatch(dnsLabel);
    expect(name).not.toContain('--');
  });
});

describe('migrationJob', () => {
  const job = migrationJob(postgresGateway(), 'registry.example/gateway:1.0.0');

  it('runs migrate with the database URL, once, cleaned up after a day', () => {
    const container = job.spec?.template.spec?.containers[0];
    expect(container?.args).toEqual(['migrate']);
    expect(container?.image).toBe('registry.example/gateway:1.0.0');
    expect(container?.env).toEqual([
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'postgres', key: 'url' } } },
    ]);
    expect(job.spec?.template.spec?.restartPolicy).toBe('Never');
    expect(job.spec).toMatchObject({
      backoffLimit: 3,
      activeDeadlineSeconds: 900,
      ttlSecondsAfterFinished: 86400,
    });
  });

  it('runs under the same restricted security context as the gateway', () => {
    expect(job.spec?.template.spec?.securityContext?.runAsNonRoot).toBe(true);
    expect(job.spec?.template.spec?.containers[0]?.securityContext?.readOnlyRootFilesystem).toBe(true);
  });

  it('records its image and its owner', () => {
    expect(job.metadata.annotations).toEqual({ 'switchyard.dev/image': 'registry.example/gateway:1.0.0' });
    expect(job.metadata.ownerReferences?.[0]?.kind).toBe('LLMGateway');
    expect(job.metadata.labels?.['app.kubernetes.io/component']).toBe('migration');
  });
});
