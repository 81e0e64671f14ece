import { describe, expect, it } from 'vitest';
import { gateway } from '../test-support/fixtures.ts';
import { lifecycle, probes, terminationGracePeriodSeconds } from './probes.ts';

const modern = { kubernetesMinor: 36, serviceMonitor: false };

describe('probes', () => {
  it('probe the health port with the gateway paths', () => {
    const { startupProbe, readinessProbe, livenessProbe } = probes();
    expect(readinessProbe.httpGet).toEqual({ path: '/health/readiness', port: 'health', scheme: 'HTTP' });
    expect(livenessProbe.httpGet).toEqual({ path: '/health/liveliness', port: 'health', scheme: 'HTTP' });
    expect(startupProbe.httpGet?.port).toBe('health');
  });

  it('never time out after 1 s, and give startup two minutes', () => {
    for (const probe of Object.values(probes())) expect(probe.timeoutSeconds).toBeGreaterThanOrEqual(3);
    const { startupProbe } = probes();
    expect((startupProbe.periodSeconds ?? 0) * (startupProbe.failureThreshold ?? 0)).toBe(120);
  });
});

describe('lifecycle', () => {
  it('sleeps with the sleep action where the cluster has it', () => {
    expect(lifecycle(gateway().spec, modern)).toEqual({ preStop: { sleep: { seconds: 10 } } });
  });

  it('falls back to running sleep before Kubernetes 1.30', () => {
    expect(lifecycle(gateway().spec, { ...modern, kubernetesMinor: 29 })).toEqual({
      preStop: { exec: { command: ['sleep', '10'] } },
    });
  });

  it('has no preStop hook with a zero delay', () => {
    expect(lifecycle(gateway({ shutdown: { preStopDelaySeconds: 0 } }).spec, modern)).toBeUndefined();
  });
});

describe('terminationGracePeriodSeconds', () => {
  it('covers the preStop delay, the accept delay, the request timeout and the flush margin', () => {
    expect(terminationGracePeriodSeconds(gateway().spec)).toBe(10 + 5 + 600 + 15);
    const spec = gateway({
      gateway: { requestTimeoutSeconds: 120 },
      shutdown: { preStopDelaySeconds: 20, acceptDelaySeconds: 3, flushMarginSeconds: 30 },
    }).spec;
    expect(terminationGracePeriodSeconds(spec)).toBe(173);
  });

  it('outlasts the gateway own shutdown bound (accept delay + drain + 10 s)', () => {
    const spec = gateway({ shutdown: { preStopDelaySeconds: 0, flushMarginSeconds: 10 } }).spec;
    const gatewayBound = spec.shutdown.acceptDelaySeconds + spec.gateway.requestTimeoutSeconds + 10;
    expect(terminationGracePeriodSeconds(spec)).toBeGreaterThanOrEqual(gatewayBound);
  });
});
