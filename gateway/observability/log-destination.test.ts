import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TurnBatchedDestination } from './log-destination.ts';

const run = promisify(execFile);

function recordingSink(): { writes: string[]; write(text: string): void } {
  const writes: string[] = [];
  return { writes, write: (text) => writes.push(text) };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('TurnBatchedDestination', () => {
  it('writes the lines of one event-loop turn in one write, at the end of that turn', async () => {
    const sink = recordingSink();
    const destination = new TurnBatchedDestination(sink);
    destination.write('a\n');
    destination.write('b\n');
    destination.write('c\n');
    expect(sink.writes).toEqual([]);
    await nextTurn();
    expect(sink.writes).toEqual(['a\nb\nc\n']);
    destination.write('d\n');
    await nextTurn();
    expect(sink.writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes what is pending at once on flush, and nothing twice', async () => {
    const sink = recordingSink();
    const destination = new TurnBatchedDestination(sink);
    destination.write('a\n');
    let flushed = false;
    destination.flush(() => (flushed = true));
    expect(flushed).toBe(true);
    expect(sink.writes).toEqual(['a\n']);
    await nextTurn();
    destination.flushSync();
    expect(sink.writes).toEqual(['a\n']);
  });

  it("keeps the lines logged just before process.exit and an uncaught error on the gateway's logger", async () => {
    const logger = join(import.meta.dirname, 'logger.ts');
    const exiting = `const { createLogger } = await import(${JSON.stringify(logger)});
      const log = createLogger();
      for (let i = 0; i < 3; i++) log.info({ i }, 'line');
      process.exit(0);`;
    const out = await run(process.execPath, ['--input-type=module', '-e', exiting]);
    expect(
      out.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { i: number }).i),
    ).toEqual([0, 1, 2]);

    const crashing = `const { createLogger } = await import(${JSON.stringify(logger)});
      createLogger().error('about to fail');
      throw new Error('boom');`;
    const failed = await run(process.execPath, ['--input-type=module', '-e', crashing]).catch(
      (error: unknown) => error as { code: number; stdout: string },
    );
    expect('code' in failed && failed.code).toBe(1);
    expect(failed.stdout).toContain('"msg":"about to fail"');
  });
});
