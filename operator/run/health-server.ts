import type { Server } from 'node:http';
import { http } from '../kube/node-http.ts';
import type { AddressInfo } from 'node:net';

export interface HealthChecks {
  /** The process works (event loop turning, not shutting down after a lost lease). */
  readonly live: () => boolean;
  /** Caches are filled: a replica that is ready can lead at once. */
  readonly ready: () => boolean;
}

export interface HttpEndpoint {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/** /healthz and /readyz on their own port, so a slow /metrics scrape never fails a probe. */
export function startHealthServer(port: number, checks: HealthChecks): Promise<HttpEndpoint> {
  return listen(port, (path) => {
    if (path === '/healthz') return checks.live() ? [200, 'ok\n'] : [503, 'not live\n'];
    if (path === '/readyz') return checks.ready() ? [200, 'ok\n'] : [503, 'caches not synced\n'];
    return undefined;
  });
}

/** /metrics in the Prometheus text format. */
export function startMetricsServer(
  port: number,
  metrics: () => Promise<string>,
  contentType: string,
): Promise<HttpEndpoint> {
  return listen(port, async (path) =>
    path === '/metrics' ? [200, await metrics(), contentType] : undefined,
  );
}

type Route = (
  path: string,
) => [number, string, string?] | undefined | Promise<[number, string, string?] | undefined>;

function listen(port: number, route: Route): Promise<HttpEndpoint> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    Promise.resolve(request.method === 'GET' ? route(path) : undefined)
      .then((answer) => {
        const [status, body, type] = answer ?? [404, 'not found\n'];
        response.writeHead(status, { 'content-type': type ?? 'text/plain; charset=utf-8' }).end(body);
      })
      .catch(() => {
        response.writeHead(500).end('internal error\n');
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => {
              done();
            });
          }),
      });
    });
  });
}
