import type { AgentOptions } from 'node:https';
import type { Cluster, KubeConfig } from '@kubernetes/client-node';
import type { Dispatcher } from 'undici';

type CreateDispatcher = (cluster: Cluster | null, agentOptions: AgentOptions) => Dispatcher | undefined;

/**
 * client-node 2.0.1 builds a new undici Agent for every request (`applySecurityAuthentication` calls its
 * private `createDispatcher`), so every request, watches included, opens a TLS connection of its own with
 * a fresh secure context, and the Agents linger with their sockets until collected. At 200 gateways that
 * was a tenth of the operator's CPU and most of its memory above the heap (e2e/scale). This keeps one
 * dispatcher per TLS identity (server, CA, client certificate) and so reuses its keep-alive connections.
 * Credentials sent as headers (tokens) are still read per request, as before.
 */
export function reuseConnections(kubeConfig: KubeConfig): void {
  const target = kubeConfig as unknown as { createDispatcher?: CreateDispatcher };
  const create = target.createDispatcher;
  // Another client-node version: leave it as it is.
  if (typeof create !== 'function') return;
  let current: { readonly key: string; readonly dispatcher: Dispatcher | undefined } | undefined;
  target.createDispatcher = (cluster, agentOptions) => {
    const key = identityKey(cluster, agentOptions);
    if (current?.key === key) return current.dispatcher;
    const previous = current?.dispatcher;
    current = { key, dispatcher: create.call(kubeConfig, cluster, agentOptions) };
    // A rotated client certificate: new requests use it; the old connections finish what they carry.
    previous?.close().catch(() => undefined);
    return current.dispatcher;
  };
}

function identityKey(cluster: Cluster | null, options: AgentOptions): string {
  const text = (value: unknown): unknown =>
    Buffer.isBuffer(value) ? value.toString('base64') : Array.isArray(value) ? value.map(text) : value;
  return JSON.stringify([
    cluster?.server,
    cluster?.proxyUrl,
    text(options.ca),
    text(options.cert),
    text(options.key),
    text(options.pfx),
    options.passphrase,
    options.rejectUnauthorized,
    options.servername,
  ]);
}
