import { luaScript } from '../redis/lua-script.ts';
import type { SharedRedis } from '../redis/shared-redis.ts';
import type { CooldownSharing } from './cooldowns.ts';

const hashKey = 'switchyard:cooldowns';
const channel = 'switchyard:cooldowns';

/** Records a cooldown (deployment → end, epoch ms) and tells the other pods, in one call. */
const announceScript = luaScript(
  'cooldown-announce',
  `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[1] .. ' ' .. ARGV[2])
return 1`,
);

/** Every running cooldown; the ended ones are removed on the way. */
const readScript = luaScript(
  'cooldown-read',
  `local now = tonumber(ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
local live = {}
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) <= now then redis.call('HDEL', KEYS[1], all[i]) else
    live[#live + 1] = all[i]
    live[#live + 1] = all[i + 1]
  end
end
return live`,
);

/**
 * Cooldowns shared through Redis: a pod that cools a deployment down announces it (a hash entry and a pub/sub
 * message); every pod keeps the running ones in memory, from the messages at once and from a read of the hash
 * every `refreshEveryMs` (for pods that started later or missed a message while Redis was away).
 */
export class SharedCooldowns implements CooldownSharing {
  readonly #redis: SharedRedis;
  readonly #until = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(redis: SharedRedis, refreshEveryMs = 2000) {
    this.#redis = redis;
    redis.subscribe(channel, (message) => {
      const [id, until] = message.split(' ');
      if (id !== undefined && until !== undefined) this.#note(id, Number(until));
    });
    this.#timer = setInterval(() => {
      this.#refresh();
    }, refreshEveryMs).unref();
    redis.onAvailable(() => {
      this.#refresh();
    });
  }

  announce(deploymentId: string, untilMs: number): void {
    this.#note(deploymentId, untilMs);
    if (!this.#redis.available) return;
    this.#redis.eval(announceScript, [hashKey], [deploymentId, untilMs, channel]).catch(() => undefined);
  }

  until(deploymentId: string): number | undefined {
    return this.#until.get(deploymentId);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #note(id: string, until: number): void {
    if (!Number.isFinite(until)) return;
    if (until > (this.#until.get(id) ?? 0)) this.#until.set(id, until);
  }

  #refresh(): void {
    const now = Date.now();
    for (const [id, until] of this.#until) if (until <= now) this.#until.delete(id);
    if (!this.#redis.available) return;
    this.#redis.eval(readScript, [hashKey], [now]).then(
      (reply) => {
        const values = reply as string[];
        for (let index = 0; index + 1 < values.length; index += 2)
          this.#note(values[index] ?? '', Number(values[index + 1]));
      },
      () => undefined,
    );
  }
}
