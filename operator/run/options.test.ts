import { describe, expect, it } from 'vitest';
import { defaultGatewayImage } from '../defaults.ts';
import { parseRunOptions, UsageError } from './options.ts';

describe('parseRunOptions', () => {
  it('reads the flags and environment the Helm chart gives', () => {
    const options = parseRunOptions(
      [
        '--metrics-port=8080',
        '--health-port=8081',
        '--leader-elect=true',
        '--namespaces=a, b',
        '--gateway-image=img:1',
      ],
      { POD_NAME: 'op-0', POD_NAMESPACE: 'switchyard-system', LOG_LEVEL: 'debug' },
      'fallback',
    );
    expect(options).toEqual({
      metricsPort: 8080,
      healthPort: 8081,
      leaderElect: true,
      namespaces: ['a', 'b'],
      gatewayImage: 'img:1',
      leaseNamespace: 'switchyard-system',
      identity: 'op-0',
      logLevel: 'debug',
    });
  });

  it('has defaults for a workstation', () => {
    expect(parseRunOptions([], {}, 'host-1')).toMatchObject({
      leaderElect: false,
      namespaces: [],
      gatewayImage: defaultGatewayImage,
      identity: 'host-1',
      leaseNamespace: 'default',
    });
  });

  it('refuses what it does not understand', () => {
    expect(() => parseRunOptions(['--leader-elect=yes'], {}, 'x')).toThrow(UsageError);
    expect(() => parseRunOptions(['--metrics-port=http'], {}, 'x')).toThrow(UsageError);
    expect(() => parseRunOptions(['--bogus'], {}, 'x')).toThrow(UsageError);
  });
});
