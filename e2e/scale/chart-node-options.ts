// The operator's node flags as the Helm chart sets them: NODE_OPTIONS of its Deployment rendered with the
// default values (heap limits sized by the memory limit), so the bench measures the heap the operator
// gets when installed. SCALE_OPERATOR_NODE_OPTIONS replaces them.
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

export async function chartNodeOptions(): Promise<string> {
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
  return env.find((variable) => variable.name === 'NODE_OPTIONS')?.value ?? '';
}
