import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { Agent } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import type { Dispatcher } from 'undici';
import { https } from './node-http.ts';
import { reuseConnections } from './reuse-connections.ts';

/**
 * The part of a request the credentials go into: client-node's RequestContext has the first two (its
 * KubeConfig hands an undici dispatcher); the native connection hands a node https agent.
 */
export interface AuthenticatedRequest {
  /** A watch: a connection held for as long as it runs, so not one of the requests' limited sockets. */
  readonly watch?: boolean;
  setHeaderParam(key: string, value: string): void;
  setDispatcher(dispatcher: Dispatcher): void;
  setAgent?(agent: Agent): void;
}

/**
 * Where the apiserver is and how to authenticate to it: what the operator's requests and watches ask of a
 * KubeConfig (which has both methods, so client-node's fits wherever this is asked for).
 */
export interface KubeConnection {
  getCurrentCluster(): { readonly server: string } | null;
  applySecurityAuthentication(request: AuthenticatedRequest): Promise<void>;
}

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Files (token, certificates) are re-read when they changed, looked at no more often than this. */
const recheckFilesMs = 60_000;
/**
 * TLS connections the requests (not the watches) keep open at most; more requests wait for one. Unbounded,
 * node's Agent opened ~100 while a fleet converged (16 reconciles in flight, each applying its children
 * at once), each one a TLS session, its buffers and a handshake: ~6 MB of malloc'ed memory and ~11 MB of
 * RSS per 100 connections in a bare node (e2e/scale/README.md, fifth round).
 */
export const requestSockets = 20;

/**
 * Loads the connection as client-node's `KubeConfig.loadFromDefault()` would (KUBECONFIG, else
 * ~/.kube/config, else the pod's service account), without client-node for what the operator meets in
 * a cluster and in tests: a token or a token file, client certificates, a CA, TLS options. Importing
 * client-node's index (its KubeConfig included) loads its whole generated API, ~20 MB of heap and ~45 MB
 * of RSS (e2e/scale). Anything else in a kubeconfig (exec plugins, auth providers, basic auth,
 * impersonation, proxies, several files in KUBECONFIG) goes to client-node's KubeConfig, loaded then.
 */
export async function loadKubeConnection(env: NodeJS.ProcessEnv = process.env): Promise<KubeConnection> {
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (files.length === 0 && existsSync(home)) files.push(home);
  const [first] = files;
  if (files.length === 1 && first !== undefined) {
    const native = fromKubeconfigFile(first);
    if (native !== undefined) return native;
  } else if (files.length === 0) {
    const native = inCluster(env);
    if (native !== undefined) return native;
  }
  return clientNodeConnection(files);
}

/** client-node's KubeConfig from the same files, as its loadFromDefault merges them (none: its default). */
async function clientNodeConnection(files: readonly string[]): Promise<KubeConnection> {
  const { KubeConfig: ClientNodeKubeConfig } = await import('@kubernetes/client-node');
  const kubeConfig: KubeConfig = new ClientNodeKubeConfig();
  const [first, ...rest] = files;
  if (first === undefined) kubeConfig.loadFromDefault();
  else kubeConfig.loadFromFile(first);
  for (const file of rest) {
    const more = new ClientNodeKubeConfig();
    more.loadFromFile(file);
    kubeConfig.mergeConfig(more);
  }
  reuseConnections(kubeConfig);
  return kubeConfig;
}

/** What the native path supports; a kubeconfig asking for more goes to client-node. */
interface Settings {
  readonly server: string;
  readonly ca?: Source;
  readonly cert?: Source;
  readonly key?: Source;
  readonly token?: Source;
  readonly skipTlsVerify: boolean;
  readonly tlsServerName?: string;
}

/** Inline data, or a file re-read when it changes (rotated tokens and certificates). */
type Source = { readonly data: Buffer } | { readonly file: string };

function inCluster(env: NodeJS.ProcessEnv): KubeConnection | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(serviceAccountDir, 'token');
  if (!host || !port || !existsSync(tokenFile)) return undefined;
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  return new NativeConnection({
    server: `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    ca: { file: join(serviceAccountDir, 'ca.crt') },
    token: { file: tokenFile },
    skipTlsVerify: false,
  });
}

type Yaml = Readonly<Record<string, unknown>>;

const clusterFields = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'extensions',
]);
const userFields = new Set([
  'token',
  'tokenFile',
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'extensions',
]);

/** The current context of one kubeconfig file, when the native path can serve it. */
export function fromKubeconfigFile(path: string): KubeConnection | undefined {
  const config = load(readFileSync(path, 'utf8')) as Yaml | null;
  const named = (list: unknown, name: unknown, field: string): Yaml | undefined => {
    if (!Array.isArray(list)) return undefined;
    const entry = (list as Yaml[]).find((item) => item.name === name);
    return entry?.[field] as Yaml | undefined;
  };
  const context = named(config?.contexts, config?.['current-context'], 'context');
  const cluster = named(config?.clusters, context?.cluster, 'cluster');
  const user = named(config?.users, context?.user, 'user') ?? {};
  if (context === undefined || cluster === undefined || typeof cluster.server !== 'string') return undefined;
  if (Object.keys(cluster).some((field) => !clusterFields.has(field))) return undefined;
  if (Object.keys(user).some((field) => !userFields.has(field))) return undefined;
  const root = dirname(path);
  const source = (data: unknown, file: unknown, encoding: 'base64' | 'utf8'): Source | undefined => {
    if (typeof data === 'string' && data !== '') return { data: Buffer.from(data, encoding) };
    if (typeof file === 'string' && file !== '') return { file: isAbsolute(file) ? file : join(root, file) };
    return undefined;
  };
  const ca = source(cluster['certificate-authority-data'], cluster['certificate-authority'], 'base64');
  const cert = source(user['client-certificate-data'], user['client-certificate'], 'base64');
  const key = source(user['client-key-data'], user['client-key'], 'base64');
  const token = source(user.token, user.tokenFile, 'utf8');
  const tlsServerName = cluster['tls-server-name'];
  return new NativeConnection({
    server: cluster.server.replace(/\/$/, ''),
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(token ? { token } : {}),
    skipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    ...(typeof tlsServerName === 'string' ? { tlsServerName } : {}),
  });
}

interface Loaded {
  readonly checkedAt: number;
  /** mtimes of the files read, to see a rotation. */
  readonly stamp: string;
  readonly token: string | undefined;
  readonly agent: Agent | undefined;
  /** The watches' agent: one connection each, unlimited (a watch per kind and namespace). */
  readonly watchAgent: Agent | undefined;
}

/**
 * One agent (keep-alive TLS connections) for as long as the certificates stay the same, as
 * reuse-connections.ts does for client-node; the token is sent with every request. Files are re-read
 * when their mtime moved: the kubelet refreshes a projected token well before it expires.
 */
class NativeConnection implements KubeConnection {
  private readonly cluster: { readonly server: string };
  private readonly settings: Settings;
  private loaded: Loaded | undefined;

  constructor(settings: Settings) {
    this.settings = settings;
    this.cluster = { server: settings.server };
    if (settings.server.startsWith('http:') && !settings.skipTlsVerify)
      throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
  }

  getCurrentCluster(): { readonly server: string } {
    return this.cluster;
  }

  applySecurityAuthentication(request: AuthenticatedRequest): Promise<void> {
    const { token, agent, watchAgent } = this.current();
    if (token !== undefined && token !== '') request.setHeaderParam('Authorization', `Bearer ${token}`);
    const chosen = request.watch === true ? watchAgent : agent;
    if (chosen !== undefined) request.setAgent?.(chosen);
    return Promise.resolve();
  }

  private current(now = Date.now()): Loaded {
    const loaded = this.loaded;
    if (loaded !== undefined && now - loaded.checkedAt < recheckFilesMs) return loaded;
    const stamp = this.stamp();
    if (loaded?.stamp === stamp) {
      this.loaded = { ...loaded, checkedAt: now };
      return this.loaded;
    }
    const settings = this.settings;
    const { ca, cert, key, token, skipTlsVerify, tlsServerName } = settings;
    const tls = {
      ...(ca ? { ca: read(ca) } : {}),
      ...(cert ? { cert: read(cert) } : {}),
      ...(key ? { key: read(key) } : {}),
      ...(skipTlsVerify ? { rejectUnauthorized: false } : {}),
      ...(tlsServerName !== undefined ? { servername: tlsServerName } : {}),
    };
    const tlsChanged = loaded === undefined || !sameTls(loaded.stamp, stamp);
    // Plain HTTP (TLS verification off, as a proxy or a test apiserver): node's default agent.
    const plain = Object.keys(tls).length === 0 || settings.server.startsWith('http:');
    // Connections kept open; 30 s TCP keep-alive probes, as client-node and client-go.
    const makeAgent = (maxSockets?: number): Agent | undefined =>
      plain
        ? undefined
        : new https.Agent({
            ...tls,
            keepAlive: true,
            keepAliveMsecs: 30_000,
            ...(maxSockets !== undefined ? { maxSockets } : {}),
          });
    const agent = tlsChanged ? makeAgent(requestSockets) : loaded.agent;
    const watchAgent = tlsChanged ? makeAgent() : loaded.watchAgent;
    // A rotated client certificate: new requests use it; the old connections finish what they carry.
    if (tlsChanged && loaded?.agent !== undefined) retire(loaded.agent);
    if (tlsChanged && loaded?.watchAgent !== undefined) retire(loaded.watchAgent);
    this.loaded = {
      checkedAt: now,
      stamp,
      token: token ? read(token).toString('utf8').trim() : undefined,
      agent,
      watchAgent,
    };
    return this.loaded;
  }

  /** `ca|cert|key#token`: the mtimes of the files among them. */
  private stamp(): string {
    const { ca, cert, key, token } = this.settings;
    const mtime = (source: Source | undefined): string =>
      source !== undefined && 'file' in source
        ? String(statSync(source.file, { throwIfNoEntry: false })?.mtimeMs)
        : '';
    return `${mtime(ca)}|${mtime(cert)}|${mtime(key)}#${mtime(token)}`;
  }
}

/** Idle connections close now, busy ones once their response is in (node's Agent has no graceful close). */
function retire(agent: Agent): void {
  // Read by the Agent when a socket comes free: without it, the socket is destroyed rather than kept.
  (agent as unknown as { keepAlive: boolean }).keepAlive = false;
  for (const sockets of Object.values(agent.freeSockets))
    for (const socket of sockets ?? []) socket.destroy();
}

function sameTls(a: string, b: string): boolean {
  return a.split('#')[0] === b.split('#')[0];
}

function read(source: Source): Buffer {
  return 'data' in source ? source.data : readFileSync(source.file);
}
