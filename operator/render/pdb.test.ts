import { describe, expect, it } from 'vitest';
import { gateway } from '../test-support/fixtures.ts';
import { podDisruptionBudget } from './pdb.ts';

describe('podDisruptionBudget', () => {
  it('allows one pod down by default, and lets unhealthy pods be evicted', () => {
    expect(podDisruptionBudget(gateway())?.spec).toEqual({
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': 'switchyard-gateway',
          'app.kubernetes.io/instance': 'main',
          'app.kubernetes.io/component': 'gateway',
        },
      },
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  it('takes minAvailable or maxUnavailable, numbers or percentages', () => {
    expect(
      podDisruptionBudget(gateway({ podDisruptionBudget: { minAvailable: '50%' } }))?.spec,
    ).toMatchObject({
      minAvailable: '50%',
    });
    expect(podDisruptionBudget(gateway({ podDisruptionBudget: { maxUnavailable: 2 } }))?.spec).toMatchObject({
      maxUnavailable: 2,
    });
    expect(
      podDisruptionBudget(gateway({ podDisruptionBudget: { minAvailable: 1 } }))?.spec,
    ).not.toHaveProperty('maxUnavailable');
  });

  it('is not rendered when disabled', () => {
    expect(podDisruptionBudget(gateway({ podDisruptionBudget: { enabled: false } }))).toBeUndefined();
  });
});
