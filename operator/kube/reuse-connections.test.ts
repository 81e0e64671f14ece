import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { reuseConnections } from './reuse-connections.ts';

const caData = Buffer.from('not a real CA, nothing connects').toString('base64');

function kubeConfig(certData: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData, skipTLSVerify: false }],
    users: [{ name: 'u', certData, keyData: certData }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return config;
}

async function dispatcherOf(config: KubeConfig): Promise<unknown> {
  const context = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
  await config.applySecurityAuthentication(context);
  return context.getDispatcher();
}

describe('reuseConnections', () => {
  it('gives every request of one identity the same dispatcher (client-node alone makes one each)', async () => {
    const plain = kubeConfig(Buffer.from('cert-1').toString('base64'));
    expect(await dispatcherOf(plain)).not.toBe(await dispatcherOf(plain));

    const reusing = kubeConfig(Buffer.from('cert-1').toString('base64'));
    reuseConnections(reusing);
    const first = await dispatcherOf(reusing);
    expect(first).toBeDefined();
    expect(await dispatcherOf(reusing)).toBe(first);
  });

  it('makes a new one when the client certificate changes', async () => {
    const config = kubeConfig(Buffer.from('cert-1').toString('base64'));
    reuseConnections(config);
    const first = await dispatcherOf(config);
    const user = config.getCurrentUser();
    if (user === null) throw new Error('no user');
    const rotated = Buffer.from('cert-2').toString('base64');
    config.users = [{ ...user, certData: rotated, keyData: rotated }];
    const second = await dispatcherOf(config);
    expect(second).not.toBe(first);
    expect(await dispatcherOf(config)).toBe(second);
  });
});
