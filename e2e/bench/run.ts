import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgresServer } from '../../gateway/test-support/postgres-server.ts';
import { startRedisServer } from '../../gateway/test-support/redis-server.ts';
import { startNginxUpstream } from './nginx-upstream.ts';
import { cpuMs, freePort, spawnPinned, stop, waitForHttp } from './processes.ts';
import { runWrk, type LoadResult } from './wrk.ts';

/**
 * Gateway overhead against a bare fastify+undici pass-through, all in front of the same nginx upstream: Switchyard
 * with the master key, and with everything on (virtual key, Redis limits, spend to a real PostgreSQL). Servers
 * under test run on core 0; nginx and wrk on core 1. The order rotates each round and medians are reported.
 */
const serverCore = 0;
const loadCore = 1;
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const masterKey = 'sk-bench-master-key';

interface Contender {
  readonly name: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly process?: ChildProcess;
}

function requireTools(): void {
  for (const tool of ['nginx', 'wrk', 'taskset']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`the benchmark needs ${tool} (Debian: apt-get install -y nginx-light wrk util-linux)`);
    }
  }
}

async function startNode(
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  port: number,
): Promise<ChildProcess> {
  const child = spawnPinned(serverCore, process.execPath, args, env);
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk.toString()}`));
  await waitForHttp(`http://127.0.0.1:${port}/`);
  return child;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

async function saturate(contender: Contender): Promise<{ cpuPerRequestUs: number; load: LoadResult }> {
  const pid = contender.process?.pid;
  const before = pid === undefined ? 0 : cpuMs(pid);
  const load = await runWrk({
    url: contender.url,
    core: loadCore,
    connections: 32,
    seconds,
    headers: contender.headers,
  });
  const after = pid === undefined ? 0 : cpuMs(pid);
  if (load.non2xx > 0) throw new Error(`${contender.name}: ${load.non2xx} responses were not 2xx`);
  return { cpuPerRequestUs: ((after - before) * 1000) / load.requests, load };
}

const format = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** Writes a gateway config in front of the upstream; `extra` adds sections (database, Redis). */
function writeConfig(dir: string, name: string, upstreamUrl: string, extra: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstreamUrl}/v1, api_key: sk-upstream }
${extra}`,
  );
  return file;
}

async function startGateway(
  name: string,
  configFile: string,
): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = await startNode(
    name,
    [
      join(import.meta.dirname, '../../gateway/cli.ts'),
      'serve',
      '--config',
      configFile,
      '--port',
      String(port),
    ],
    { LOG_LEVEL: 'info', NODE_ENV: 'production', HOST: '127.0.0.1' },
    port,
  );
  await waitForReady(`http://127.0.0.1:${port}/health/readiness`);
  return { port, child };
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
async function generateKey(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/key/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key_alias: 'bench', rpm_limit: 100_000_000, tpm_limit: 2_000_000_000 }),
  });
  if (!response.ok) throw new Error(`key/generate: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { key: string }).key;
}

async function main(): Promise<void> {
  requireTools();
  const upstream = await startNginxUpstream(loadCore);
  const postgres = await startPostgresServer();
  const redis = await startRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const database = (name: string) =>
    `  master_key: ${masterKey}\n  database_url: ${postgres.url.replace(/\/postgres$/, `/${name}`)}\n`;
  await createDatabases(postgres.url, ['bench_master', 'bench_local', 'bench_full']);
  const masterConfig = writeConfig(
    dir,
    'master',
    upstream.url,
    `general_settings:\n${database('bench_master')}`,
  );
  const localConfig = writeConfig(
    dir,
    'local',
    upstream.url,
    `general_settings:\n${database('bench_local')}`,
  );
  const fullConfig = writeConfig(
    dir,
    'full',
    upstream.url,
    `general_settings:\n${database('bench_full')}router_settings: { redis_host: 127.0.0.1, redis_port: ${redis.port} }\n`,
  );

  const passthroughPort = await freePort();
  const passthrough = await startNode(
    'passthrough',
    [join(import.meta.dirname, 'passthrough.ts'), String(passthroughPort), upstream.url],
    {},
    passthroughPort,
  );
  const master = await startGateway('gateway-master', masterConfig);
  const local = await startGateway('gateway-local', localConfig);
  const full = await startGateway('gateway-full', fullConfig);
  const virtualKey = await generateKey(full.port);
  const localKey = await generateKey(local.port);
  const path = '/v1/chat/completions';
  const direct: Contender = { name: 'upstream directly (nginx)', url: upstream.url + path, headers: {} };
  const bare: Contender = {
    name: 'fastify+undici pass-through',
    url: `http://127.0.0.1:${passthroughPort}${path}`,
    headers: {},
    process: passthrough,
  };
  const switchyard: Contender = {
    name: 'switchyard, master key',
    url: `http://127.0.0.1:${master.port}${path}`,
    headers: { Authorization: `Bearer ${masterKey}` },
    process: master.child,
  };
  const everything: Contender = {
    name: 'switchyard, everything on',
    url: `http://127.0.0.1:${full.port}${path}`,
    headers: { Authorization: `Bearer ${virtualKey}` },
    process: full.child,
  };
  const withoutRedis: Contender = {
    name: 'switchyard, virtual key, no Redis',
    url: `http://127.0.0.1:${local.port}${path}`,
    headers: { Authorization: `Bearer ${localKey}` },
    process: local.child,
  };
  const gateways = [bare, switchyard, withoutRedis, everything];

  try {
    console.log(
      `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, node ${process.version}; servers pinned to core ${serverCore}, nginx and wrk to core ${loadCore}`,
    );
    console.log(
      `rounds: ${rounds} x ${seconds}s at 32 connections (saturation), 3 x ${seconds}s at 1 connection (latency); medians`,
    );
    console.log(
      '"everything on": virtual key (cached), Redis rate limits (rpm, tpm), metrics, access log, spend to PostgreSQL\n',
    );
    for (const contender of gateways)
      await runWrk({
        url: contender.url,
        core: loadCore,
        connections: 32,
        seconds: 3,
        headers: contender.headers,
      });

    const latency = new Map<string, { p50: number[]; p99: number[] }>();
    for (let round = 0; round < 3; round++) {
      for (const contender of [direct, ...gateways]) {
        const result = await runWrk({
          url: contender.url,
          core: loadCore,
          connections: 1,
          seconds,
          headers: contender.headers,
        });
        const entry = latency.get(contender.name) ?? { p50: [], p99: [] };
        entry.p50.push(result.p50);
        entry.p99.push(result.p99);
        latency.set(contender.name, entry);
      }
    }

    const saturation = new Map<string, { cpu: number[]; rps: number[] }>();
    for (let round = 0; round < rounds; round++) {
      // Each round in another order, so no contender always runs first or last.
      const shift = round % gateways.length;
      const order = [...gateways.slice(shift), ...gateways.slice(0, shift)];
      for (const contender of order) {
        const { cpuPerRequestUs, load } = await saturate(contender);
        const entry = saturation.get(contender.name) ?? { cpu: [], rps: [] };
        entry.cpu.push(cpuPerRequestUs);
        entry.rps.push(load.requestsPerSecond);
        saturation.set(contender.name, entry);
      }
    }
    const directRps = (
      await runWrk({ url: direct.url, core: loadCore, connections: 32, seconds, headers: {} })
    ).requestsPerSecond;

    const directP50 = median(latency.get(direct.name)?.p50 ?? []);
    console.log(`${'contender'.padEnd(36)} CPU/req (us)   req/s    p50 (ms)  p99 (ms)  added p50 (ms)`);
    for (const contender of [direct, ...gateways]) {
      const lat = latency.get(contender.name);
      const sat = saturation.get(contender.name);
      const p50 = median(lat?.p50 ?? []);
      console.log(
        [
          contender.name.padEnd(36),
          format(median(sat?.cpu ?? [NaN]), 1).padStart(12),
          format(sat === undefined ? directRps : median(sat.rps), 0).padStart(9),
          format(p50, 3).padStart(10),
          format(median(lat?.p99 ?? []), 3).padStart(9),
          format(p50 - directP50, 3).padStart(15),
        ].join(' '),
      );
    }
    const cpuOf = (contender: Contender) => median(saturation.get(contender.name)?.cpu ?? []);
    const p50Of = (contender: Contender) => median(latency.get(contender.name)?.p50 ?? []);
    console.log('');
    for (const [contender, cpuAim, p50Aim] of [
      [switchyard, 1.15, 0.15],
      [everything, 1.25, 0.4],
    ] as const) {
      console.log(
        `${contender.name} vs pass-through: CPU per request x${format(cpuOf(contender) / cpuOf(bare))} (aim <= ${cpuAim}), p50 ${format(p50Of(contender) - p50Of(bare), 3)} ms (aim <= ${p50Aim})`,
      );
    }
    console.log(
      `Redis limits on vs off (same virtual key checks): CPU per request x${format(cpuOf(everything) / cpuOf(withoutRedis))} (aim <= 1.12)`,
    );
  } finally {
    await stop(full.child);
    await stop(local.child);
    await stop(master.child);
    await stop(passthrough);
    await upstream.close();
    await redis.destroy();
    await postgres.destroy();
  }
}

async function createDatabases(url: string, names: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const name of names) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

await main();
