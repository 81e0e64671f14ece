import { describe, expect, it } from 'vitest';
import { gateway } from '../test-support/fixtures.ts';
import { service } from './service.ts';

describe('service', () => {
  it('exposes the API port by name and not the health port', () => {
    const rendered = service(gateway());
    expect(rendered.spec).toEqual({
      type: 'ClusterIP',
      selector: {
        'app.kubernetes.io/name': 'switchyard-gateway',
        'app.kubernetes.io/instance': 'main',
        'app.kubernetes.io/component': 'gateway',
      },
      ports: [{ name: 'http', port: 4000, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }],
    });
  });

  it('takes the type, port and annotations from the spec', () => {
    const rendered = service(
      gateway({
        service: { type: 'LoadBalancer', port: 80, annotations: { 'example.com/internal': 'true' } },
      }),
    );
    expect(rendered.spec?.type).toBe('LoadBalancer');
    expect(rendered.spec?.ports?.[0]?.port).toBe(80);
    expect(rendered.metadata.annotations).toEqual({ 'example.com/internal': 'true' });
  });
});
