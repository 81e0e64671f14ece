import { describe, expect, it } from 'vitest';
import { postgresGateway } from '../test-support/fixtures.ts';
import { gatewayLabels, selectorLabels } from './labels.ts';
import { migrationJob } from './migration-job.ts';

function selects(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe('labels', () => {
  it('select the serving pods', () => {
    expect(selects(selectorLabels('main'), gatewayLabels(postgresGateway()))).toBe(true);
  });

  it('never select the migration pods, which must not receive traffic', () => {
    const job = migrationJob(postgresGateway(), 'registry.example/gateway:1.0.0');
    expect(selects(selectorLabels('main'), job.spec?.template.metadata?.labels)).toBe(false);
  });

  it('never select another gateway', () => {
    expect(selects(selectorLabels('main'), gatewayLabels(postgresGateway({}, 'main-2')))).toBe(false);
  });
});
