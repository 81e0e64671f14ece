import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = join(import.meta.dirname, 'cli.ts');

async function checkConfig(yaml: string, ...flags: string[]): Promise<{ code: number; out: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'switchyard-cli-')), 'config.yaml');
  writeFileSync(file, yaml);
  try {
    const { stdout } = await run(process.execPath, [cli, 'check-config', file, ...flags]);
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, out: failed.stdout };
  }
}

const servable = `model_list:
  - model_name: m
    litellm_params: { model: mock/m }
  - model_name: x
    litellm_params: { model: nowhere/x }
`;

describe('switchyard-gateway check-config', () => {
  it('prints every problem with its path and exits 0 when something can be served', async () => {
    const { code, out } = await checkConfig(servable);
    expect(code).toBe(0);
    expect(out).toContain(
      'error: model_list[1].litellm_params.model: provider "nowhere" is not supported; deployment skipped',
    );
    expect(out).toContain('ok: 1 deployments in 1 model groups can be served');
  });

  it('exits non-zero with --strict when there is any problem', async () => {
    expect((await checkConfig(servable, '--strict')).code).toBe(1);
    expect(
      (
        await checkConfig(
          'model_list:\n  - model_name: m\n    litellm_params: { model: mock/m }\n',
          '--strict',
        )
      ).code,
    ).toBe(0);
  });

  it('exits non-zero when nothing can be served', async () => {
    const { code, out } = await checkConfig(
      'model_list:\n  - model_name: x\n    litellm_params: { model: nowhere/x }\n',
    );
    expect(code).toBe(1);
    expect(out).toContain('invalid: nothing can be served');
  });
});
