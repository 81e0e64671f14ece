// What the e2e suites share: the example's Secrets, JSON reads through kubectl, polling helpers, and the
// databases their Secrets name (deployed where pods really run, kind).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { waitFor } from '../cluster/control-plane.ts';
import type { Kubectl, TestCluster } from '../cluster/test-cluster.ts';
import { deployPostgres, postgresSpecFromUrl } from '../kind/in-cluster-services.ts';

export const repoRoot = join(import.meta.dirname, '../..');
export const crdsDir = join(repoRoot, 'crds');
export const productionExample = join(repoRoot, 'manifests/examples/production');

/** Values of the Secrets the production example references (made up; asserted never to leak). */
export const exampleSecretValues = {
  masterKey: 'sk-master-e2e-0123456789abcdef',
  saltKey: 'salt-e2e-0123456789',
  databaseUrl: 'postgresql://switchyard:pg-password-e2e@postgres.llm.svc:5432/switchyard',
  redisPassword: 'redis-password-e2e',
  openaiKey: 'sk-openai-e2e-credential-1',
  azureToken: 'azure-ad-token-e2e',
  anthropicKey: 'sk-ant-e2e-credential-1',
  batchKey: 'sk-batch-existing-key-e2e-0001',
} as const;

export function exampleSecrets(namespace: string): object[] {
  const secret = (name: string, stringData: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    stringData,
  });
  const v = exampleSecretValues;
  return [
    secret('switchyard-master-key', { 'master-key': v.masterKey, 'salt-key': v.saltKey }),
    secret('switchyard-postgres', { url: v.databaseUrl }),
    secret('switchyard-redis', { password: v.redisPassword }),
    secret('openai-credentials', { 'api-key': v.openaiKey }),
    secret('azure-openai', { 'ad-token': v.azureToken }),
    secret('anthropic-credentials', { 'api-key': v.anthropicKey }),
    // As `kubectl create secret --from-file` would store it: with the file's final newline.
    secret('batch-openai-key', { 'api-key': `${v.batchKey}\n` }),
  ];
}

export async function installCrds(cp: Kubectl): Promise<void> {
  await cp.kubectl(['apply', '-f', crdsDir]);
  await cp.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
}

export async function applyJson(cp: Kubectl, ...objects: object[]): Promise<string> {
  return cp.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
}

export async function getJson<T>(cp: Kubectl, ...args: string[]): Promise<T> {
  return JSON.parse(await cp.kubectl(['get', ...args, '-o', 'json'])) as T;
}

/** The object, or undefined when it does not exist. */
export async function tryGetJson<T>(cp: Kubectl, ...args: string[]): Promise<T | undefined> {
  const text = await cp.kubectl(['get', ...args, '-o', 'json', '--ignore-not-found']);
  return text.trim() === '' ? undefined : (JSON.parse(text) as T);
}

/** Polls an async check until it returns something other than undefined (generous: a shared 2-core box). */
export function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  return waitFor(what, check, { timeoutMs, intervalMs: 300 });
}

export interface ConditionJson {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface ResourceJson {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    generation?: number;
    resourceVersion: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown> & { conditions?: ConditionJson[] };
  data?: Record<string, string>;
}

export function condition(object: ResourceJson | undefined, type: string): ConditionJson | undefined {
  return object?.status?.conditions?.find((c) => c.type === type);
}

/** Waits until `type` on the object has `status` (and `reason`, when given) for its current generation. */
export async function waitForCondition(
  cp: Kubectl,
  resource: string,
  namespace: string,
  type: string,
  status: string,
  reason?: string,
  timeoutMs?: number,
): Promise<ResourceJson> {
  return until(
    `${resource} ${type}=${status}${reason !== undefined ? ` (${reason})` : ''}`,
    async () => {
      const object = await getJson<ResourceJson>(cp, resource, '-n', namespace);
      const found = condition(object, type);
      const current = found?.observedGeneration === object.metadata.generation;
      return found?.status === status && (reason === undefined || found.reason === reason) && current
        ? object
        : undefined;
    },
    timeoutMs,
  );
}

export function decode(data: string | undefined): string {
  return Buffer.from(data ?? '', 'base64').toString('utf8');
}

export interface EventJson {
  reason: string;
  type: string;
  note: string;
  reportingController?: string;
  regarding: { kind: string; name: string };
}

/** The operator's events in a namespace. */
export async function operatorEvents(cp: Kubectl, namespace: string): Promise<EventJson[]> {
  const list = await getJson<{ items: EventJson[] }>(cp, 'events.v1.events.k8s.io', '-n', namespace);
  return list.items.filter((event) => event.reportingController === 'switchyard.dev/operator');
}

/** Events are recorded in the background: waits until the operator's events in `namespace` satisfy `check`. */
export function waitForEvents(
  cp: Kubectl,
  namespace: string,
  what: string,
  check: (events: EventJson[]) => boolean,
): Promise<EventJson[]> {
  return until(`events: ${what}`, async () => {
    const events = await operatorEvents(cp, namespace);
    return check(events) ? events : undefined;
  });
}

export const hasReasons =
  (...reasons: string[]) =>
  (events: EventJson[]): boolean =>
    reasons.every((reason) => events.some((event) => event.reason === reason));

/** Values of the Secrets of the whole-chain gateway (made up). */
export const chainSecretValues = {
  masterKey: 'sk-master-chain-0123456789abcdef',
  saltKey: 'salt-chain-0123456789abcdef',
  // What the cluster would hold: a Service name that resolves only inside it.
  databaseUrl: 'postgresql://switchyard:pg-password-chain@postgres.chain.svc:5432/switchyard',
  redisPassword: 'redis-password-chain',
  upstreamKey: 'sk-fake-upstream-credential-1',
  secondUpstreamKey: 'sk-fake-vllm-credential-2',
} as const;

/** The image the whole-chain gateway pins. */
export const chainGatewayImage = 'ghcr.io/switchyard-dev/switchyard-gateway:0.1.0';

/**
 * A gateway shaped like the production example (PostgreSQL and Redis from Secret refs, a salt key, fallback
 * settings), but with one ModelDeployment on the fake OpenAI upstream at `upstreamUrl` (the example's
 * providers are real services), one generated VirtualKey with rpm and budget limits, and a 1 s spend flush.
 */
export function wholeChainResources(namespace: string, upstreamUrl: string): object[] {
  const v = chainSecretValues;
  const secret = (name: string, stringData: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    stringData,
  });
  return [
    secret('switchyard-master-key', { 'master-key': v.masterKey, 'salt-key': v.saltKey }),
    secret('switchyard-postgres', { url: v.databaseUrl }),
    secret('switchyard-redis', { password: v.redisPassword }),
    secret('upstream-credentials', { 'api-key': v.upstreamKey, 'vllm-key': v.secondUpstreamKey }),
    {
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'LLMGateway',
      metadata: { name: 'chain', namespace },
      spec: {
        image: chainGatewayImage,
        replicas: 1,
        masterKeySecretRef: { name: 'switchyard-master-key', key: 'master-key' },
        saltKeySecretRef: { name: 'switchyard-master-key', key: 'salt-key' },
        database: {
          urlSecretRef: { name: 'switchyard-postgres', key: 'url' },
          maxConnections: 50,
          reservedConnections: 10,
        },
        redis: {
          host: 'redis-master.redis.svc',
          port: 6379,
          passwordSecretRef: { name: 'switchyard-redis', key: 'password' },
        },
        gateway: {
          requestTimeoutSeconds: 60,
          routingStrategy: 'simple-shuffle',
          numRetries: 1,
          batchWriteIntervalSeconds: 1,
        },
      },
    },
    {
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'ModelDeployment',
      metadata: { name: 'gpt-4o-fake', namespace },
      spec: {
        gatewayRef: { name: 'chain' },
        modelName: 'gpt-4o',
        provider: 'openai',
        model: 'gpt-4o',
        apiBase: `${upstreamUrl}/v1`,
        credentialsSecretRef: { name: 'upstream-credentials', key: 'api-key' },
        rpm: 1000,
        pricing: { inputCostPerMillionTokens: '2.50', outputCostPerMillionTokens: '10' },
        modelInfo: { mode: 'chat' },
      },
    },
    {
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'VirtualKey',
      metadata: { name: 'app', namespace },
      spec: {
        gatewayRef: { name: 'chain' },
        keyAlias: 'app',
        models: ['gpt-4o', 'llama-3-8b'],
        maxBudget: '10',
        budgetDuration: '30d',
        rpmLimit: 100,
        metadata: { team: 'chain' },
      },
    },
  ];
}

/** A second model for the whole-chain gateway, on the same fake upstream, with its own credential. */
export function wholeChainSecondModel(namespace: string, upstreamUrl: string): object {
  return {
    apiVersion: 'switchyard.dev/v1alpha1',
    kind: 'ModelDeployment',
    metadata: { name: 'llama-fake', namespace },
    spec: {
      gatewayRef: { name: 'chain' },
      modelName: 'llama-3-8b',
      provider: 'hosted_vllm',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      apiBase: `${upstreamUrl}/v1`,
      credentialsSecretRef: { name: 'upstream-credentials', key: 'vllm-key' },
      pricing: { inputCostPerMillionTokens: '0', outputCostPerMillionTokens: '0' },
    },
  };
}

/** The production example's objects, in the order `kubectl apply -f <dir>` sends them (files by name). */
export function productionExampleObjects(): object[] {
  return readdirSync(productionExample)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .flatMap((file) => loadAll(readFileSync(join(productionExample, file), 'utf8')))
    .filter((object): object is object => typeof object === 'object' && object !== null);
}

/** The database a suite's Secret names, as the pods see it. */
export interface ClusterDatabase {
  /** Refuses (or accepts again) new connections, e.g. to make a migration Job fail. */
  setReachable(reachable: boolean): Promise<void>;
}

/**
 * Provides the PostgreSQL that `url` (a `postgresql://user:password@host[:port]/db` of a Secret) names, where
 * pods connect for real (kind): a server with those credentials behind a Service `host` (`name`, or
 * `name.namespace.svc...`) in `namespace` or the host's own. On the local control plane pods never run, so
 * there is nothing to provide.
 */
export async function provideDatabase(
  cluster: TestCluster,
  namespace: string,
  url: string,
): Promise<ClusterDatabase> {
  if (!cluster.runsContainers) return { setReachable: () => Promise.resolve() };
  return deployPostgres(cluster, postgresSpecFromUrl(url, namespace));
}
