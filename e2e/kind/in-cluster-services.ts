// PostgreSQL and Redis inside the kind cluster, under the Service names and credentials the suites' Secrets
// give the gateway, so the pods the operator renders (migration Jobs, gateways) really connect. A Service can
// be made unreachable (no endpoints: connections are refused) to fail a migration honestly.
import { waitFor } from '../cluster/control-plane.ts';
import type { Kubectl } from '../cluster/test-cluster.ts';

/** Pinned by tag; run.sh loads them into the nodes, so nothing is pulled during the tests. */
export const postgresImage = process.env.SWITCHYARD_E2E_POSTGRES_IMAGE ?? 'postgres:15-alpine';
export const redisImage = process.env.SWITCHYARD_E2E_REDIS_IMAGE ?? 'redis:7-alpine';

const SELECTOR = 'e2e.switchyard.dev/service';

export interface InClusterService {
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
  /** Unreachable: the Service selects no pod, so connections to it are refused; reachable: back to its pod. */
  setReachable(reachable: boolean): Promise<void>;
}

export interface PostgresSpec {
  readonly namespace: string;
  /** The Service name, i.e. the host in the database URL. */
  readonly name: string;
  readonly port?: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** A Service host as pods name it (`name`, `name.namespace`, `name.namespace.svc[.cluster.local]`). */
export function serviceOfHost(host: string, namespace: string): { name: string; namespace: string } {
  const [name = '', hostNamespace] = host.split('.');
  return { name, namespace: hostNamespace ?? namespace };
}

/** The server a `postgresql://user:password@host[:port]/database` URL of a Secret names. */
export function postgresSpecFromUrl(url: string, namespace: string): PostgresSpec {
  const parsed = new URL(url);
  return {
    ...serviceOfHost(parsed.hostname, namespace),
    ...(parsed.port === '' ? {} : { port: Number(parsed.port) }),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.replace(/^\//, ''),
  };
}

export async function deployPostgres(cluster: Kubectl, spec: PostgresSpec): Promise<InClusterService> {
  const port = spec.port ?? 5432;
  return deploy(cluster, spec.namespace, spec.name, port, {
    name: 'postgres',
    image: postgresImage,
    env: [
      { name: 'POSTGRES_USER', value: spec.user },
      { name: 'POSTGRES_PASSWORD', value: spec.password },
      { name: 'POSTGRES_DB', value: spec.database },
    ],
    ports: [{ containerPort: 5432 }],
    // Over TCP: the image's first start runs a socket-only server while it initialises.
    readinessProbe: {
      exec: { command: ['pg_isready', '-h', '127.0.0.1', '-U', spec.user, '-d', spec.database] },
      periodSeconds: 2,
    },
  });
}

export async function deployRedis(
  cluster: Kubectl,
  spec: { namespace: string; name: string; port?: number; password: string },
): Promise<InClusterService> {
  return deploy(cluster, spec.namespace, spec.name, spec.port ?? 6379, {
    name: 'redis',
    image: redisImage,
    args: ['--requirepass', spec.password, '--save', '', '--appendonly', 'no'],
    ports: [{ containerPort: 6379 }],
    readinessProbe: { tcpSocket: { port: 6379 }, periodSeconds: 2 },
  });
}

async function deploy(
  cluster: Kubectl,
  namespace: string,
  name: string,
  port: number,
  container: { ports: { containerPort: number }[] } & Record<string, unknown>,
): Promise<InClusterService> {
  const labels = { [SELECTOR]: name };
  const targetPort = container.ports[0]?.containerPort ?? port;
  await cluster.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name, namespace, labels },
          spec: {
            replicas: 1,
            strategy: { type: 'Recreate' },
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [container] } },
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name, namespace, labels },
          spec: { selector: labels, ports: [{ port, targetPort }] },
        },
      ],
    }),
  );
  await cluster.kubectl(['rollout', 'status', `deployment/${name}`, '-n', namespace, '--timeout=180s']);
  await waitForEndpoints(cluster, namespace, name, true);
  return {
    namespace,
    name,
    port,
    async setReachable(reachable) {
      const selector = { [SELECTOR]: reachable ? name : `${name}-unreachable` };
      await cluster.kubectl([
        'patch',
        'service',
        name,
        '-n',
        namespace,
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { selector } }),
      ]);
      await waitForEndpoints(cluster, namespace, name, reachable);
    },
  };
}

/** Until the Service has a ready endpoint (or none), and kube-proxy had a moment to program the node. */
async function waitForEndpoints(
  cluster: Kubectl,
  namespace: string,
  service: string,
  ready: boolean,
): Promise<void> {
  await waitFor(
    `service ${namespace}/${service} to have ${ready ? 'a ready endpoint' : 'no endpoints'}`,
    async () => {
      const list = JSON.parse(
        await cluster.kubectl([
          'get',
          'endpointslices',
          '-n',
          namespace,
          '-l',
          `kubernetes.io/service-name=${service}`,
          '-o',
          'json',
        ]),
      ) as { items: { endpoints?: { conditions?: { ready?: boolean } }[] | null }[] };
      const readyCount = list.items
        .flatMap((slice) => slice.endpoints ?? [])
        .filter((endpoint) => endpoint.conditions?.ready !== false).length;
      return (ready ? readyCount > 0 : readyCount === 0) ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  // kube-proxy follows EndpointSlices within its 1 s minimum sync period.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
}
