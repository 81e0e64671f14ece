import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../bench/processes.ts';
import { spawnGateway, type GatewayProcess } from '../../gateway/test-support/operations.ts';

/** `switchyard-gateway serve --config FILE --port N` as a real child process, ready to serve. */
export interface GatewayUnderTest {
  readonly url: string;
  readonly pid: number;
  readonly process: GatewayProcess;
  /** True while the process has not exited. */
  alive(): boolean;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Quiet by default: the access log at info would cost the 2-core machine more than the gateway itself. */
const defaultEnv = {
  LOG_LEVEL: 'warn',
  SWITCHYARD_SHUTDOWN_DELAY_SECONDS: '0',
  SWITCHYARD_MODE: 'production',
};

/**
 * Writes `config` (JSON is YAML) to a temp file and starts a gateway on it. Waits until readiness answers 200:
 * config loaded, database reached and migrated.
 */
export async function startGateway(
  config: object,
  env: Record<string, string> = {},
): Promise<GatewayUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-faults-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const port = await freePort();
  const gateway = spawnGateway(['--config', file, '--port', String(port), '--host', '127.0.0.1'], {
    ...defaultEnv,
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  const pid = gateway.child.pid;
  if (pid === undefined) throw new Error('the gateway process did not start');
  const alive = () => gateway.child.exitCode === null && gateway.child.signalCode === null;
  try {
    await waitUntilReady(url, alive, 90_000);
  } catch (error) {
    gateway.child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- gateway output ---\n${gateway.output()}`, {
      cause: error,
    });
  }
  return {
    url,
    pid,
    process: gateway,
    alive,
    async stop(graceMs = 30_000) {
      if (!alive()) return gateway.child.exitCode;
      gateway.child.kill('SIGTERM');
      const timer = setTimeout(() => gateway.child.kill('SIGKILL'), graceMs);
      const code = await gateway.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

async function waitUntilReady(url: string, alive: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error('the gateway exited before it was ready');
    const response = await fetch(`${url}/health/readiness`).catch(() => undefined);
    if (response?.status === 200) return;
    await response?.body?.cancel();
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await sleep(200);
  }
}
