import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSecret } from './secret.ts';

describe('file secrets', () => {
  it('pick up a rotated file after a few seconds and keep the last value while it is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-rotate-'));
    const file = join(dir, 'key');
    writeFileSync(file, 'sk-old\n');
    let now = 0;
    const secret = fileSecret(file, () => now);
    writeFileSync(`${file}.new`, 'sk-new\n');
    renameSync(`${file}.new`, file);
    expect(secret.value()).toBe('sk-old');
    now += 5_000;
    expect(secret.value()).toBe('sk-new');
    renameSync(file, `${file}.gone`);
    now += 5_000;
    expect(secret.value()).toBe('sk-new');
  });
});
