import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startServer, stop } from '../processes.ts';
import { liteLLMModelList, targetsByModel, type Contender, type ContenderId } from './contender.ts';

export const masterKey = 'sk-bench-master-key';

/** What each Switchyard contender turns on. */
const variants = {
  // "The master key only" (issue #9): no spend rows either, which are part of "everything on".
  master: { name: 'switchyard, master key', virtualKey: false, redis: false, spendLogs: false },
  virtual: { name: 'switchyard, virtual key, no Redis', virtualKey: true, redis: false, spendLogs: true },
  full: { name: 'switchyard, everything on', virtualKey: true, redis: true, spendLogs: true },
} as const;

export type SwitchyardVariant = keyof typeof variants;
export const isSwitchyardVariant = (id: ContenderId): id is SwitchyardVariant => id in variants;

export interface SharedServices {
  readonly postgresUrl: string;
  readonly redisPort?: number;
}

const thisTree = join(import.meta.dirname, '../../..');

/**
 * Switchyard from this tree (or from another checkout at `tree.root`, or with other node flags in
 * `tree.nodeOptions`, to compare two versions), in production
 * mode, with its own database on the shared PostgreSQL. The master key variant authenticates with the key
 * from the config; the others with a virtual key made through the key API (cached after the first request,
 * as in steady state).
 */
export async function startSwitchyard(
  variant: SwitchyardVariant,
  upstreamUrl: string,
  services: SharedServices,
  dir: string,
  tree: { root: string; tag?: string; nodeOptions?: string } = { root: thisTree },
): Promise<Contender> {
  const { virtualKey, redis, spendLogs } = variants[variant];
  const name = tree.tag === undefined ? variants[variant].name : `${variants[variant].name} (${tree.tag})`;
  const database = tree.tag === undefined ? `bench_${variant}` : `bench_${variant}_${tree.tag}`;
  await createDatabase(services.postgresUrl, database);
  if (redis && services.redisPort === undefined) throw new Error(`${name} needs Redis`);
  const config = join(dir, `${database}.yaml`);
  writeFileSync(
    config,
    `${liteLLMModelList(upstreamUrl)}general_settings:
  master_key: ${masterKey}
  database_url: ${services.postgresUrl.replace(/\/postgres$/, `/${database}`)}
${spendLogs ? '' : '  disable_spend_logs: true\n'}${redis ? `router_settings: { redis_host: 127.0.0.1, redis_port: ${services.redisPort} }\n` : ''}`,
  );
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = await startServer({
    name,
    command: process.execPath,
    args: [join(tree.root, 'gateway/cli.ts'), 'serve', '--config', config, '--port', String(port)],
    env: {
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      // No endpoints to leave here: it exits at once on SIGTERM, before `stop` kills it, so `--cpu-prof` can write.
      SWITCHYARD_SHUTDOWN_DELAY_SECONDS: '0',
      ...(tree.nodeOptions === undefined ? {} : { NODE_OPTIONS: tree.nodeOptions }),
    },
    readyUrl: `${base}/`,
  });
  try {
    await waitForReady(`${base}/health/readiness`);
    const key = virtualKey ? await generateKey(base) : masterKey;
    return {
      id: variant,
      name,
      targets: targetsByModel(base, { Authorization: `Bearer ${key}` }),
      ...(child.pid === undefined ? {} : { pid: child.pid }),
      stop: () => stop(child),
    };
  } catch (error) {
    await stop(child);
    throw error;
  }
}

async function waitForReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await fetch(url).catch(() => undefined))?.ok === true) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

/** A virtual key with limits far above what the run sends, so every request is checked and admitted. */
async function generateKey(base: string): Promise<string> {
  const response = await fetch(`${base}/key/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key_alias: 'bench', rpm_limit: 100_000_000, tpm_limit: 2_000_000_000 }),
  });
  if (!response.ok) throw new Error(`key/generate: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { key: string }).key;
}

async function createDatabase(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}
