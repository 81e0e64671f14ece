import { pino } from 'pino';
import { SharedRedis } from '../redis/shared-redis.ts';

/** A pod's shared Redis connection to the test server on `port`, once it is available. */
export async function connectSharedRedis(port: number, commandTimeoutMs = 500): Promise<SharedRedis> {
  const shared = new SharedRedis({
    endpoint: { host: '127.0.0.1', port, tls: false, db: 0 },
    logger: pino({ level: 'silent' }),
    role: 'redis',
    commandTimeoutMs,
  });
  shared.start();
  while (!shared.available) await new Promise((resolve) => setTimeout(resolve, 10));
  return shared;
}
