import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from 'node:https';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromKubeconfigFile, loadKubeConnection, requestSockets } from './kube-connection.ts';
import type { KubeConnection } from './kube-connection.ts';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

function kubeconfig(cluster: object, user: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'kube-connection-'));
  const path = join(dir, 'config');
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'x',
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443/', ...cluster } }],
      users: [{ name: 'u', user }],
    }),
  );
  return path;
}

async function authOf(
  connection: KubeConnection,
  watch = false,
): Promise<{ headers: Record<string, string>; agent?: Agent }> {
  const result: { headers: Record<string, string>; agent?: Agent } = { headers: {} };
  await connection.applySecurityAuthentication({
    watch,
    setHeaderParam: (key, value) => (result.headers[key] = value),
    setDispatcher: () => {
      throw new Error('the native connection hands an agent, not an undici dispatcher');
    },
    setAgent: (agent) => (result.agent = agent),
  });
  return result;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('kube connection', () => {
  it('serves a token and a CA without client-node, with one agent for every request', async () => {
    const connection = fromKubeconfigFile(
      kubeconfig({ 'certificate-authority-data': b64('not a real CA') }, { token: 'abc' }),
    );
    expect(connection?.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    if (connection === undefined) throw new Error('not served natively');
    const first = await authOf(connection);
    expect(first.headers).toEqual({ Authorization: 'Bearer abc' });
    expect(first.agent).toBeDefined();
    expect((await authOf(connection)).agent).toBe(first.agent);
  });

  it('bounds the connections of requests, not of watches (each holds its own for as long as it runs)', async () => {
    const connection = fromKubeconfigFile(
      kubeconfig({ 'certificate-authority-data': b64('not a real CA') }, { token: 'abc' }),
    );
    if (connection === undefined) throw new Error('not served natively');
    const request = (await authOf(connection)).agent;
    const watch = (await authOf(connection, true)).agent;
    expect(request?.maxSockets).toBe(requestSockets);
    expect(watch).toBeDefined();
    expect(watch).not.toBe(request);
    expect(watch?.maxSockets).toBe(Infinity);
    expect((await authOf(connection, true)).agent).toBe(watch);
  });

  it('reads client certificates from files next to the kubeconfig, and sends no token', async () => {
    const path = kubeconfig(
      { 'insecure-skip-tls-verify': true },
      { 'client-certificate': 'client.crt', 'client-key': 'client.key' },
    );
    writeFileSync(join(path, '../client.crt'), 'cert');
    writeFileSync(join(path, '../client.key'), 'key');
    const connection = fromKubeconfigFile(path);
    if (connection === undefined) throw new Error('not served natively');
    const auth = await authOf(connection);
    expect(auth.headers).toEqual({});
    expect(auth.agent).toBeDefined();
  });

  it('re-reads a token file that changed, keeping the connections', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-01T00:00:00Z') });
    const path = kubeconfig({ 'certificate-authority-data': b64('ca') }, { tokenFile: 'token' });
    const tokenFile = join(path, '../token');
    writeFileSync(tokenFile, 'first\n');
    const connection = fromKubeconfigFile(path);
    if (connection === undefined) throw new Error('not served natively');
    const first = await authOf(connection);
    expect(first.headers.Authorization).toBe('Bearer first');
    writeFileSync(tokenFile, 'second\n');
    utimesSync(tokenFile, new Date('2026-12-01T00:00:30Z'), new Date('2026-12-01T00:00:30Z'));
    // Looked at again after a minute, not at every request.
    expect((await authOf(connection)).headers.Authorization).toBe('Bearer first');
    vi.setSystemTime(Date.parse('2026-12-01T00:01:01Z'));
    const later = await authOf(connection);
    expect(later.headers.Authorization).toBe('Bearer second');
    expect(later.agent).toBe(first.agent);
  });

  it('leaves what it does not handle (an exec plugin) to client-node', async () => {
    const path = kubeconfig(
      { 'certificate-authority-data': b64('ca') },
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'true' } },
    );
    expect(fromKubeconfigFile(path)).toBeUndefined();
    const connection = await loadKubeConnection({ KUBECONFIG: path });
    expect('loadFromDefault' in connection).toBe(true);
    expect(connection.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
  });

  it('refuses plain HTTP unless TLS verification is off, as client-node does', () => {
    const path = kubeconfig({ server: 'http://127.0.0.1:8080' }, { token: 'abc' });
    expect(() => fromKubeconfigFile(path)).toThrow(/HTTP protocol is not allowed/);
  });
});
