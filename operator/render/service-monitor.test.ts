import { describe, expect, it } from 'vitest';
import { gateway } from '../test-support/fixtures.ts';
import { serviceMonitor } from './service-monitor.ts';

const withCrd = { kubernetesMinor: 36, serviceMonitor: true };

describe('serviceMonitor', () => {
  it('scrapes /metrics on the API port when asked and the CRD exists', () => {
    const result = serviceMonitor(
      gateway({ serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'prom' } } }),
      withCrd,
    );
    expect(result.serviceMonitor?.spec.endpoints).toEqual([
      { port: 'http', path: '/metrics', interval: '15s' },
    ]);
    expect(result.serviceMonitor?.metadata.labels).toMatchObject({ release: 'prom' });
  });

  it('warns instead when the CRD is missing', () => {
    const result = serviceMonitor(gateway({ serviceMonitor: { enabled: true } }), {
      ...withCrd,
      serviceMonitor: false,
    });
    expect(result.serviceMonitor).toBeUndefined();
    expect(result.problem).toMatchObject({ reason: 'ServiceMonitorCRDMissing', severity: 'warning' });
  });

  it('renders nothing when not asked', () => {
    expect(serviceMonitor(gateway(), withCrd)).toEqual({});
  });
});
