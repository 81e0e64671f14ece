// The operator's memory settings as the Helm chart sets them: NODE_OPTIONS (heap limits sized by the memory
// limit) and MALLOC_ARENA_MAX of its Deployment rendered with the default values, so the bench measures the
// memory the operator gets when installed. SCALE_OPERATOR_NODE_OPTIONS and SCALE_OPERATOR_MALLOC_ARENA_MAX
// replace them.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { buildBinaries } from '../cluster/control-plane.ts';

const chart = join(import.meta.dirname, '../../charts/switchyard-operator');

interface DeploymentYaml {
  readonly spec?: {
    readonly template?: {
      readonly spec?: {
        readonly containers?: readonly { readonly env?: readonly { name: string; value?: string }[] }[];
      };
    };
  };
}

export interface ChartMemoryEnv {
  readonly nodeOptions: string;
  /** '' when the chart sets none (glibc's default). */
  readonly mallocArenaMax: string;
}

export async function chartMemoryEnv(): Promise<ChartMemoryEnv> {
  const helm = join(await buildBinaries(), 'helm');
  const { stdout } = await promisify(execFile)(helm, [
    'template',
    'switchyard',
    chart,
    '--kube-version',
    '1.36.0',
    '--show-only',
    'templates/deployment.yaml',
  ]);
  const deployment = load(stdout) as DeploymentYaml;
  const env = deployment.spec?.template?.spec?.containers?.[0]?.env ?? [];
  const value = (name: string) => env.find((variable) => variable.name === name)?.value ?? '';
  return { nodeOptions: value('NODE_OPTIONS'), mallocArenaMax: value('MALLOC_ARENA_MAX') };
}
