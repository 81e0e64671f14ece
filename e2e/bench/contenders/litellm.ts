import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchCache, command, installOnce } from '../cache.ts';
import { freePort, startServer, stop } from '../processes.ts';
import { liteLLMModelList, targetsByModel, type Contender } from './contender.ts';

/** A release from before the compromised 1.107.0 that installs with `litellm[proxy]` on Python 3.11. */
export const liteLLMVersion = '1.80.11';
const masterKey = 'sk-bench-litellm-master';

/** Installs the LiteLLM proxy from PyPI once, into its own virtual environment. */
async function install(): Promise<string> {
  const dir = await installOnce(
    join(benchCache, `litellm-${liteLLMVersion}`),
    `litellm[proxy]==${liteLLMVersion}`,
    async (venv) => {
      await command('python3', ['-m', 'venv', venv]);
      await command(join(venv, 'bin', 'pip'), [
        'install',
        '--quiet',
        '--disable-pip-version-check',
        `litellm[proxy]==${liteLLMVersion}`,
      ]);
    },
  );
  return join(dir, 'bin', 'litellm');
}

/**
 * The LiteLLM proxy as its docs run it in production, minus the database (its Prisma layer downloads engine
 * binaries, which cannot happen here): one uvicorn worker, the master key, quiet JSON logs, the same
 * `model_list` Switchyard reads.
 */
export async function startLiteLLM(upstreamUrl: string, dir: string): Promise<Contender> {
  const litellm = await install();
  const config = join(dir, 'litellm.yaml');
  writeFileSync(
    config,
    `${liteLLMModelList(upstreamUrl)}litellm_settings:
  set_verbose: false
general_settings:
  master_key: ${masterKey}
  json_logs: true
`,
  );
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    LITELLM_LOG: 'ERROR',
    // The bundled price table, instead of a fetch of the newest one that cannot reach out from here.
    LITELLM_LOCAL_MODEL_COST_MAP: 'True',
  };
  const child = await startServer({
    name: 'litellm',
    command: litellm,
    args: ['--config', config, '--host', '127.0.0.1', '--port', String(port), '--num_workers', '1'],
    // No database: a DATABASE_URL from the caller's environment would turn Prisma on.
    env: { ...env, DATABASE_URL: undefined },
    readyUrl: `${base}/health/liveliness`,
    log: join(dir, 'litellm.log'),
    timeoutMs: 120_000,
  });
  return {
    id: 'litellm',
    name: `litellm proxy ${liteLLMVersion}`,
    targets: targetsByModel(base, { Authorization: `Bearer ${masterKey}` }),
    ...(child.pid === undefined ? {} : { pid: child.pid }),
    stop: () => stop(child),
  };
}
