import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { keysFileSchema } from '../../gateway/auth/keys-file-schema.ts';
import { fromBase64 } from '../render/base64.ts';
import { examplesDir, exampleSets, goldenPath, renderExample } from './examples.ts';

/**
 * Golden renders of manifests/examples. After an intended change, regenerate with `npm run examples`
 * (or run this test with UPDATE_GOLDEN=1) and review the diff.
 */
const update = process.env.UPDATE_GOLDEN === '1';

describe('render of manifests/examples', () => {
  it('has the example sets', () => {
    expect(exampleSets()).toEqual(['minimal', 'production']);
  });

  it.each(exampleSets())('%s matches its golden file', (set) => {
    const output = renderExample(set);
    expect(output.problems).toEqual([]);
    expect(output.skipped).toEqual([]);
    if (update) writeFileSync(goldenPath(set), output.yaml);
    expect(existsSync(goldenPath(set)), `${goldenPath(set)} missing: run npm run examples`).toBe(true);
    expect(output.yaml).toBe(readFileSync(goldenPath(set), 'utf8'));
  });

  it.each(exampleSets())('%s renders a keys file the gateway accepts', (set) => {
    const documents = loadAll(renderExample(set).yaml) as { kind: string; data?: Record<string, string> }[];
    const keys = documents.filter(
      (document) => document.kind === 'Secret' && document.data?.['keys.json'] !== undefined,
    );
    expect(keys.length).toBe(1);
    const file = keysFileSchema.parse(JSON.parse(fromBase64(keys[0]?.data?.['keys.json'] ?? '')));
    expect(file.keys.length).toBeGreaterThan(0);
  });

  it('prints the same through the CLI, offline', () => {
    const stdout = execFileSync(
      process.execPath,
      [join(import.meta.dirname, '..', 'cli.ts'), 'render', '-f', join(examplesDir, 'production')],
      { encoding: 'utf8' },
    );
    expect(stdout).toBe(readFileSync(goldenPath('production'), 'utf8'));
  });
});
