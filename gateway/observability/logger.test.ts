import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { accessLoggerOf, createLogger } from './logger.ts';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, stream };
}

const withoutTime = (line: string | undefined): Record<string, unknown> => {
  const { time, ...rest } = JSON.parse(line ?? 'null') as Record<string, unknown>;
  expect(typeof time).toBe('string');
  return rest;
};

const sample = {
  reqId: 'req-1',
  method: 'POST',
  path: '/v1/chat/completions',
  status: 200,
  ms: 1.5,
  key_alias: 'team "a"\n',
  model_group: 'gpt-4o',
  attempts: 1,
  cost: 0.0000072,
  skipped: undefined,
  aborted: true,
};

describe('the access logger', () => {
  it('writes the line pino writes for the same fields, in the same order', () => {
    const ours = capture();
    const pinos = capture();
    const access = accessLoggerOf(createLogger({ destination: ours.stream }));
    // The line is made by the access logger's own serializer, not pino's.
    expect(Object.getOwnPropertyDescriptor(access, pino.symbols.asJsonSym)).toBeDefined();
    access.info(sample, 'request');
    createLogger({ destination: pinos.stream })
      .child({}, { redact: { paths: [] } })
      .info(sample, 'request');
    expect(ours.lines).toHaveLength(1);
    const line = withoutTime(ours.lines[0]);
    expect(line).toEqual(withoutTime(pinos.lines[0]));
    expect(Object.keys(line)).toEqual(Object.keys(withoutTime(pinos.lines[0])));
    expect(line).toMatchObject({ level: 30, service: 'switchyard-gateway', msg: 'request', cost: 0.0000072 });
    expect(ours.lines[0]?.endsWith('}\n')).toBe(true);
  });

  it('keeps the level, the child bindings and the scrubber', () => {
    const quiet = capture();
    accessLoggerOf(createLogger({ destination: quiet.stream, level: 'warn' })).info(sample, 'request');
    expect(quiet.lines).toEqual([]);

    const out = capture();
    const access = accessLoggerOf(createLogger({ destination: out.stream }).child({ pod: 'p-1' }));
    access.info({ path: '/v1/models?key=sk-hidden-value-123' }, 'request');
    access.info({}, 'empty');
    expect(withoutTime(out.lines[0])).toMatchObject({ pod: 'p-1' });
    expect(out.lines[0]).toContain('/v1/models?key=');
    expect(out.lines[0]).not.toContain('hidden');
    expect(withoutTime(out.lines[1])).toEqual({
      level: 30,
      service: 'switchyard-gateway',
      pod: 'p-1',
      msg: 'empty',
    });
  });
});
