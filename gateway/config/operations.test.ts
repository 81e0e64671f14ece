import { describe, expect, it } from 'vitest';
import { levelFromEnv } from '../observability/logger.ts';
import { isProduction, operationsFromEnv } from './operations.ts';

describe('operational settings from the environment', () => {
  it('has safe defaults', () => {
    expect(operationsFromEnv({})).toMatchObject({
      shutdownDelayMs: 5000,
      maxRequestsBeforeRestart: 0,
      maxInFlight: 1000,
      keepAliveTimeoutMs: 620_000,
      headersTimeoutMs: 30_000,
      separateHealthApp: false,
      separateHealthPort: 4001,
      keyAliasLabel: true,
      logContent: false,
      production: false,
    });
  });

  it('reads the variables the operator sets, and names a malformed one', () => {
    const settings = operationsFromEnv({
      SWITCHYARD_SHUTDOWN_DELAY_SECONDS: '12.5',
      SEPARATE_HEALTH_APP: 'true',
      SEPARATE_HEALTH_PORT: '9001',
      MAX_REQUESTS_BEFORE_RESTART: '10000',
      SWITCHYARD_METRICS_KEY_ALIAS: 'off',
    });
    expect(settings).toMatchObject({
      shutdownDelayMs: 12_500,
      separateHealthApp: true,
      separateHealthPort: 9001,
      maxRequestsBeforeRestart: 10_000,
      keyAliasLabel: false,
    });
    expect(() => operationsFromEnv({ SWITCHYARD_MAX_IN_FLIGHT: 'lots' })).toThrow(/SWITCHYARD_MAX_IN_FLIGHT/);
  });

  it("knows production mode by SWITCHYARD_MODE, or LiteLLM's LITELLM_MODE", () => {
    expect(isProduction({ SWITCHYARD_MODE: 'production' })).toBe(true);
    expect(isProduction({ LITELLM_MODE: 'PRODUCTION' })).toBe(true);
    expect(isProduction({ LITELLM_MODE: 'DEV' })).toBe(false);
  });

  it("takes the log level from LOG_LEVEL or LiteLLM's LITELLM_LOG", () => {
    expect(levelFromEnv({ LITELLM_LOG: 'DEBUG' })).toBe('debug');
    expect(levelFromEnv({ LOG_LEVEL: 'warn', LITELLM_LOG: 'DEBUG' })).toBe('warn');
    expect(levelFromEnv({ LOG_LEVEL: 'nonsense' })).toBe('info');
  });
});
