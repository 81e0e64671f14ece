import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildGateway, type Gateway } from '../app.ts';
import { loadConfigText, type GatewayConfig } from '../config/load.ts';
import { operationsFromEnv, type OperationsSettings } from '../config/operations.ts';
import { Lifecycle } from '../observability/lifecycle.ts';
import { createLogger } from '../observability/logger.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { seededRandom } from '../router/random.ts';

export interface OpsGateway extends Gateway {
  readonly url: string;
  readonly logs: Record<string, unknown>[];
  readonly lines: string[];
  close(): Promise<void>;
}

export function testOperations(overrides: Partial<OperationsSettings> = {}): OperationsSettings {
  return { ...operationsFromEnv({}), ...overrides };
}

export function loadTestConfig(yaml: string, env: Record<string, string> = {}): GatewayConfig {
  return loadConfigText(yaml, { registry: createProviderRegistry(), env: { ...process.env, ...env } });
}

/** An in-process gateway on a loopback port with chosen operational settings and its raw log lines. */
export async function startOpsGateway(
  yaml: string,
  options: {
    operations?: Partial<OperationsSettings>;
    env?: Record<string, string>;
    lifecycle?: Lifecycle;
    logLevel?: string;
    /** Runs after the gateway is built and before it listens (e.g. to register a dependency). */
    prepare?: (gateway: Gateway) => void;
  } = {},
): Promise<OpsGateway> {
  const env = { ...process.env, ...options.env };
  const lines: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        lines.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const gateway = buildGateway({
    config: loadTestConfig(yaml, options.env),
    logger: createLogger({ level: options.logLevel ?? 'debug', destination, env }),
    random: seededRandom(42),
    backoff: { initialMs: 5, maxMs: 20 },
    operations: testOperations(options.operations),
    lifecycle: options.lifecycle ?? new Lifecycle(),
    env,
  });
  options.prepare?.(gateway);
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = gateway.app.server.address() as AddressInfo;
  return { ...gateway, url: `http://127.0.0.1:${port}`, logs, lines, close: () => gateway.app.close() };
}

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  readonly exited: Promise<number | null>;
}

/** `switchyard-gateway serve` as a real child process. */
export function spawnGateway(args: readonly string[], env: Record<string, string>): GatewayProcess {
  const { CONFIG_FILE_PATH: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'cli.ts'), 'serve', ...args], {
    env: { ...inherited, SWITCHYARD_MASTER_KEY: '', LITELLM_MASTER_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

/** Polls until `check` returns true, or fails after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
