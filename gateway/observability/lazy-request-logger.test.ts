import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazyRequestLogger } from './lazy-request-logger.ts';
import { createLogger } from './logger.ts';

describe('the per-request logger made on first use', () => {
  it('writes lines with the request id and the redaction of the logger it stands in for', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    });
    const app = Fastify({
      loggerInstance: createLogger({ level: 'info', destination }),
      childLoggerFactory: lazyRequestLogger,
      disableRequestLogging: true,
    });
    app.get('/logs', (request) => {
      request.log.debug('below the level');
      request.log.info({ headers: { authorization: 'Bearer sk-secret-0123456789abcdef' } }, 'hello');
      request.log.child({ step: 'two' }).warn('from a child');
      return { level: request.log.level };
    });
    app.get('/quiet', () => ({ ok: true }));

    const quiet = await app.inject({ url: '/quiet' });
    expect(quiet.statusCode).toBe(200);
    expect(lines).toEqual([]);
    const logged = await app.inject({ url: '/logs' });
    expect(logged.json()).toEqual({ level: 'info' });
    expect(lines.map((line) => line.msg)).toEqual(['hello', 'from a child']);
    expect(lines[0]?.reqId).toBe(lines[1]?.reqId);
    expect(typeof lines[0]?.reqId).toBe('string');
    expect(lines[0]?.headers).toEqual({ authorization: '[redacted]' });
    expect(lines[1]?.step).toBe('two');
    await app.close();
  });
});
