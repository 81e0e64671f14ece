import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { buildGateway, type Gateway } from '../app.ts';
import type { KeysAndSpendOptions } from '../auth/install-keys-and-spend.ts';
import { loadConfigText, type GatewayConfig } from '../config/load.ts';
import { Database } from '../db/database.ts';
import { databaseSettingsOf } from '../db/settings.ts';
import { createLogger } from '../observability/logger.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { seededRandom } from '../router/random.ts';

export interface KeyedGateway extends Gateway {
  readonly url: string;
  readonly config: GatewayConfig;
  readonly database: Database;
  readonly logs: Record<string, unknown>[];
  /** Closes the gateway, which writes the spend buffer and closes the database. */
  close(): Promise<void>;
}

/** A real gateway on a loopback port with its database (migrated), virtual keys and spend, as `serve` runs it. */
export async function startKeyedGateway(
  configYaml: string,
  env: Record<string, string>,
  keys: KeysAndSpendOptions = {},
): Promise<KeyedGateway> {
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
  const database = await Database.open(databaseSettingsOf(config.generalSettings, environment), logger);
  await database.start();
  const gateway = buildGateway({
    config,
    logger,
    database,
    env: environment,
    keys,
    random: seededRandom(42),
    backoff: { initialMs: 5, maxMs: 20 },
  });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = gateway.app.server.address() as AddressInfo;
  return {
    ...gateway,
    url: `http://127.0.0.1:${port}`,
    config,
    database,
    logs,
    close: () => gateway.app.close(),
  };
}
