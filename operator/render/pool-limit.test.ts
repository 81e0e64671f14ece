import { describe, expect, it } from 'vitest';
import { gateway, postgresGateway } from '../test-support/fixtures.ts';
import { gatewayPoolLimit, maxReplicasOf, poolLimit } from './pool-limit.ts';

describe('poolLimit', () => {
  it('divides the connections left after the reserve among every pod that can exist at once', () => {
    // (200 - 20) / (12 + 1) = 13.8
    expect(poolLimit({ maxConnections: 200, reservedConnections: 20, maxReplicas: 12, maxSurge: 1 })).toEqual(
      {
        ok: true,
        limit: 13,
      },
    );
  });

  it('gives exactly 1 when the connections just suffice', () => {
    expect(poolLimit({ maxConnections: 11, reservedConnections: 1, maxReplicas: 9, maxSurge: 1 })).toEqual({
      ok: true,
      limit: 1,
    });
  });

  it('still counts the surge pod at zero replicas', () => {
    expect(poolLimit({ maxConnections: 10, reservedConnections: 0, maxReplicas: 0, maxSurge: 1 })).toEqual({
      ok: true,
      limit: 10,
    });
  });

  it('refuses a limit below 1 and names every number', () => {
    const result = poolLimit({ maxConnections: 30, reservedConnections: 10, maxReplicas: 20, maxSurge: 1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain('maxConnections 30');
    expect(result.message).toContain('reservedConnections 10');
    expect(result.message).toContain('= 20 connections for 21 pods');
    expect(result.message).toContain('maxReplicas 20 + maxSurge 1');
  });

  it('refuses when the reserve takes everything', () => {
    expect(poolLimit({ maxConnections: 10, reservedConnections: 10, maxReplicas: 1, maxSurge: 1 }).ok).toBe(
      false,
    );
  });
});

describe('gatewayPoolLimit', () => {
  it('sizes by the HPA maximum, not the current replicas', () => {
    const spec = postgresGateway({ autoscaling: { minReplicas: 2, maxReplicas: 8 } }).spec;
    expect(maxReplicasOf(spec)).toBe(8);
    expect(gatewayPoolLimit(spec)).toEqual({ ok: true, limit: 10 }); // (100 - 10) / 9
  });

  it('sizes by fixed replicas, and by the default of 2 when unset', () => {
    expect(gatewayPoolLimit(postgresGateway({ replicas: 4 }).spec)).toEqual({ ok: true, limit: 18 }); // 90 / 5
    expect(gatewayPoolLimit(postgresGateway().spec)).toEqual({ ok: true, limit: 30 }); // 90 / 3
  });

  it('is not computed without a database', () => {
    expect(gatewayPoolLimit(gateway().spec)).toBeUndefined();
  });
});
