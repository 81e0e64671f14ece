import { describe, expect, it } from 'vitest';
import { gateway, virtualKey } from '../test-support/fixtures.ts';
import { renderVirtualKey } from './render-virtual-key.ts';

describe('renderVirtualKey', () => {
  it('writes a generated key to its consumer Secret', () => {
    const rendered = renderVirtualKey({
      virtualKey: virtualKey('app'),
      gateway: gateway(),
      generatedKey: 'sk-x',
    });
    expect(rendered.objects.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([
      'Secret/app',
    ]);
    expect(rendered.status.secretName).toBe('app');
  });

  it('leaves an existing Secret alone', () => {
    const rendered = renderVirtualKey({
      virtualKey: virtualKey('app', { existingSecretRef: { name: 'mine', key: 'key' } }),
      gateway: gateway(),
      generatedKey: 'unused',
    });
    expect(rendered.objects).toEqual([]);
    expect(rendered.status.secretName).toBe('mine');
  });

  it('reports a missing gateway', () => {
    const rendered = renderVirtualKey({
      virtualKey: virtualKey('app'),
      gateway: undefined,
      generatedKey: 'sk-x',
    });
    expect(rendered.objects).toEqual([]);
    expect(rendered.problems[0]).toMatchObject({ reason: 'GatewayNotFound', condition: 'ResolvedRefs' });
  });
});
