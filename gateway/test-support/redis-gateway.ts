import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { buildGateway, type Gateway } from '../app.ts';
import { loadConfigText, type GatewayConfig } from '../config/load.ts';
import { Database } from '../db/database.ts';
import { databaseSettingsOf } from '../db/settings.ts';
import { createLogger } from '../observability/logger.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import type { SharedStateOptions } from '../redis/shared-state.ts';
import { seededRandom } from '../router/random.ts';

export interface RedisGateway extends Gateway {
  readonly url: string;
  readonly config: GatewayConfig;
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * A real gateway on a loopback port, as `serve` runs it, sharing Redis (and, with `DATABASE_URL` in `env`, a
 * database) with the other "pods" of a test.
 */
export async function startRedisGateway(
  configYaml: string,
  env: Record<string, string>,
  redis: SharedStateOptions = {},
): Promise<RedisGateway> {
  const environment = { ...process.env, ...env };
  const config = loadConfigText(configYaml, { registry: createProviderRegistry(), env: environment });
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  let database: Database | undefined;
  if (env.DATABASE_URL !== undefined) {
    database = await Database.open(databaseSettingsOf(config.generalSettings, environment), logger);
    await database.start();
  }
  const gateway = buildGateway({
    config,
    logger,
    env: environment,
    redis,
    random: seededRandom(42),
    backoff: { initialMs: 5, maxMs: 20 },
    ...(database === undefined ? {} : { database }),
  });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = gateway.app.server.address() as AddressInfo;
  return { ...gateway, url: `http://127.0.0.1:${port}`, config, logs, close: () => gateway.app.close() };
}

/** Resolves once the gateway's Redis answers (tests start traffic on shared state, not on the fallback). */
export async function redisReady(gateway: Gateway, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (gateway.shared.redis?.available !== true) {
    if (Date.now() > deadline) throw new Error('redis not reached');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits so that a test of a minute's limit does not straddle two windows (the estimate would move). */
export async function awayFromWindowEdge(marginMs = 12_000): Promise<void> {
  const into = Date.now() % 60_000;
  if (into < 60_000 - marginMs) return;
  await new Promise((resolve) => setTimeout(resolve, 60_000 - into + 200));
}
