import { describe, expect, it } from 'vitest';
import { gateway } from '../test-support/fixtures.ts';
import { serviceAccount, serviceAccountName } from './service-account.ts';

describe('serviceAccount', () => {
  it('creates one without an API token, named after the gateway', () => {
    const account = serviceAccount(gateway());
    expect(account?.metadata.name).toBe('main');
    expect(account?.automountServiceAccountToken).toBe(false);
    expect(serviceAccountName(gateway())).toBe('main');
  });

  it('uses the one the user names instead', () => {
    const custom = gateway({ pod: { serviceAccountName: 'workload-identity' } });
    expect(serviceAccount(custom)).toBeUndefined();
    expect(serviceAccountName(custom)).toBe('workload-identity');
  });
});
