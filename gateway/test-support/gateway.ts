import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { buildGateway, type Gateway } from '../app.ts';
import { loadConfigText, type GatewayConfig } from '../config/load.ts';
import { createLogger } from '../observability/logger.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { seededRandom } from '../router/random.ts';

export interface RunningGateway extends Gateway {
  readonly url: string;
  readonly config: GatewayConfig;
  /** Every log line the gateway wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** A real gateway on a loopback port, with a seeded router, short backoffs and its log lines captured. */
export async function startGateway(
  configYaml: string,
  env: Record<string, string> = {},
): Promise<RunningGateway> {
  const config = loadConfigText(configYaml, {
    registry: createProviderRegistry(),
    env: { ...process.env, ...env },
  });
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const gateway = buildGateway({
    config,
    logger: createLogger({ level: 'debug', destination }),
    random: seededRandom(42),
    backoff: { initialMs: 5, maxMs: 20 },
  });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = gateway.app.server.address() as AddressInfo;
  return { ...gateway, url: `http://127.0.0.1:${port}`, config, logs, close: () => gateway.app.close() };
}
