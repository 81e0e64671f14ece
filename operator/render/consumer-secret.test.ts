import { describe, expect, it } from 'vitest';
import { virtualKey } from '../test-support/fixtures.ts';
import { fromBase64 } from './base64.ts';
import { consumerSecret } from './consumer-secret.ts';

describe('consumerSecret', () => {
  it('holds OPENAI_API_KEY and OPENAI_BASE_URL for envFrom, owned by the VirtualKey', () => {
    const secret = consumerSecret({
      virtualKey: virtualKey('app'),
      key: 'sk-generated',
      baseUrl: 'http://main.llm.svc:4000/v1',
    });
    expect(secret.metadata.name).toBe('app');
    expect(
      Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, fromBase64(value)])),
    ).toEqual({
      OPENAI_API_KEY: 'sk-generated',
      OPENAI_BASE_URL: 'http://main.llm.svc:4000/v1',
    });
    expect(secret.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'VirtualKey',
      name: 'app',
      controller: true,
    });
  });

  it('uses spec.secretName when given', () => {
    const secret = consumerSecret({
      virtualKey: virtualKey('app', { secretName: 'app-llm' }),
      key: 'k',
      baseUrl: 'u',
    });
    expect(secret.metadata.name).toBe('app-llm');
  });
});
