import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNginxUpstream } from './nginx-upstream.ts';
import { cpuMs, freePort, spawnPinned, stop, waitForHttp } from './processes.ts';
import { runWrk, type LoadResult } from './wrk.ts';

/**
 * Gateway overhead against a bare fastify+undici pass-through, both in front of the same nginx upstream.
 * Servers under test run on core 0; nginx and wrk on core 1. Pairs alternate and medians are reported.
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

async function main(): Promise<void> {
  requireTools();
  const upstream = await startNginxUpstream(loadCore);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(
    configFile,
    `model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}/v1, api_key: sk-upstream }
general_settings: { master_key: ${masterKey} }
`,
  );
  const passthroughPort = await freePort();
  const gatewayPort = await freePort();
  const passthrough = await startNode(
    'passthrough',
    [join(import.meta.dirname, 'passthrough.ts'), String(passthroughPort), upstream.url],
    {},
    passthroughPort,
  );
  const gateway = await startNode(
    'gateway',
    [
      join(import.meta.dirname, '../../gateway/cli.ts'),
      'serve',
      '--config',
      configFile,
      '--port',
      String(gatewayPort),
      '--host',
      '127.0.0.1',
    ],
    { LOG_LEVEL: 'info', NODE_ENV: 'production' },
    gatewayPort,
  );
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
    url: `http://127.0.0.1:${gatewayPort}${path}`,
    headers: { Authorization: `Bearer ${masterKey}` },
    process: gateway,
  };

  try {
    console.log(
      `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, node ${process.version}; servers pinned to core ${serverCore}, nginx and wrk to core ${loadCore}`,
    );
    console.log(
      `rounds: ${rounds} x ${seconds}s at 32 connections (saturation), 3 x ${seconds}s at 1 connection (latency); medians\n`,
    );
    for (const contender of [bare, switchyard])
      await runWrk({
        url: contender.url,
        core: loadCore,
        connections: 32,
        seconds: 3,
        headers: contender.headers,
      });

    const latency = new Map<string, { p50: number[]; p99: number[] }>();
    for (let round = 0; round < 3; round++) {
      for (const contender of [direct, bare, switchyard]) {
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
      const order = round % 2 === 0 ? [bare, switchyard] : [switchyard, bare];
      for (const contender of order) {
        const { cpuPerRequestUs, load } = await saturate(contender);
        const entry = saturation.get(contender.name) ?? { cpu: [], rps: [] };
        entry.cpu.push(cpuPerRequestUs);
        entry.rps.push(load.requestsPerSecond);
        saturation.set(contender.name, entry);
      }
    }
    const directRps = median([
      (await runWrk({ url: direct.url, core: loadCore, connections: 32, seconds, headers: {} }))
        .requestsPerSecond,
    ]);

    const directP50 = median(latency.get(direct.name)?.p50 ?? []);
    console.log(
      'contender                        CPU/req (us)   req/s    p50 (ms)  p99 (ms)  added p50 (ms)',
    );
    for (const contender of [direct, bare, switchyard]) {
      const lat = latency.get(contender.name);
      const sat = saturation.get(contender.name);
      const p50 = median(lat?.p50 ?? []);
      console.log(
        [
          contender.name.padEnd(32),
          format(median(sat?.cpu ?? [NaN]), 1).padStart(12),
          format(sat === undefined ? directRps : median(sat.rps), 0).padStart(9),
          format(p50, 3).padStart(10),
          format(median(lat?.p99 ?? []), 3).padStart(9),
          format(p50 - directP50, 3).padStart(15),
        ].join(' '),
      );
    }
    const cpuRatio =
      median(saturation.get(switchyard.name)?.cpu ?? []) / median(saturation.get(bare.name)?.cpu ?? []);
    const p50Delta =
      median(latency.get(switchyard.name)?.p50 ?? []) - median(latency.get(bare.name)?.p50 ?? []);
    console.log(
      `\nswitchyard vs pass-through: CPU per request x${format(cpuRatio)} (aim <= 1.15), p50 +${format(p50Delta, 3)} ms (aim <= 0.15)`,
    );
  } finally {
    await stop(gateway);
    await stop(passthrough);
    await upstream.close();
  }
}

await main();
