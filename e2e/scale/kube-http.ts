// A small JSON client for the bench's own traffic (creating thousands of objects, polling lists, reading
// /metrics): one keep-alive agent in-process, so the harness does not fork a kubectl per object.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

interface KubeconfigJson {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { 'client-certificate-data'?: string; 'client-key-data'?: string; token?: string } }[];
}

export class KubeHttpError extends Error {
  override name = 'KubeHttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface KubeHttp {
  readonly server: string;
  /** Resolves to the parsed JSON body (or the text, for non-JSON answers such as /metrics). */
  request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
  get<T>(path: string): Promise<T>;
  text(path: string): Promise<string>;
  /** The raw body (e.g. a pprof profile). */
  bytes(path: string): Promise<Buffer>;
  close(): void;
}

/** A client authenticated as the kubeconfig's first user (the control plane writes JSON kubeconfigs). */
export function kubeHttp(kubeconfigPath: string, maxSockets = 16): KubeHttp {
  const config = JSON.parse(readFileSync(kubeconfigPath, 'utf8')) as KubeconfigJson;
  const cluster = config.clusters[0]?.cluster;
  const user = config.users[0]?.user;
  if (cluster === undefined || user === undefined) throw new Error(`${kubeconfigPath}: no cluster or user`);
  const b64 = (value: string | undefined) => (value === undefined ? undefined : Buffer.from(value, 'base64'));
  const cert = b64(user['client-certificate-data']);
  const key = b64(user['client-key-data']);
  const agent = new Agent({
    keepAlive: true,
    maxSockets,
    ca: b64(cluster['certificate-authority-data']),
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
  });
  const auth: Record<string, string> =
    user.token !== undefined ? { authorization: `Bearer ${user.token}` } : {};

  const send = (method: string, path: string, body?: unknown, contentType?: string): Promise<string> =>
    sendRaw(method, path, body, contentType).then((raw) => raw.toString('utf8'));
  const sendRaw = (method: string, path: string, body?: unknown, contentType?: string): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        `${cluster.server}${path}`,
        {
          method,
          agent,
          timeout: 120_000,
          headers: {
            ...auth,
            accept: 'application/json, text/plain',
            'user-agent': 'switchyard-scale-bench',
            ...(payload !== undefined
              ? {
                  'content-type': contentType ?? 'application/json',
                  'content-length': Buffer.byteLength(payload),
                }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(raw);
            else
              reject(
                new KubeHttpError(
                  status,
                  `${method} ${path}: ${status} ${raw.toString('utf8').slice(0, 500)}`,
                ),
              );
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });

  return {
    server: cluster.server,
    async request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
      const text = await send(method, path, body, contentType);
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
    async get<T>(path: string): Promise<T> {
      return JSON.parse(await send('GET', path)) as T;
    },
    text: (path) => send('GET', path),
    bytes: (path) => sendRaw('GET', path),
    close: () => {
      agent.destroy();
    },
  };
}

/** Runs `task` over `items` with at most `limit` at a time; rejects on the first failure. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
