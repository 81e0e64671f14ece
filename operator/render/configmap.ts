import type { V1ConfigMap } from '@kubernetes/client-node';
import type { LLMGateway } from '../api/llm-gateway.ts';
import type { ModelDeployment } from '../api/model-deployment.ts';
import { configFile } from './config-file.ts';
import { mounts } from './contract.ts';
import { sha256 } from './hash.ts';
import { gatewayLabels } from './labels.ts';
import { childNames } from './names.ts';
import { ownerReference } from './owner.ts';
import { dumpYaml11 } from './yaml.ts';
import type { Applied } from './kube-object.ts';

export interface RenderedConfig {
  /** config.yaml as an object, for checks. */
  readonly config: Record<string, unknown>;
  readonly configMap: Applied<V1ConfigMap>;
  readonly text: string;
  /** Short hash of config.yaml, for status; not in the pod template (the gateway hot-reloads the file). */
  readonly hash: string;
}

export function configMap(gateway: LLMGateway, models: readonly ModelDeployment[]): RenderedConfig {
  const { name, namespace } = gateway.metadata;
  const config = configFile(gateway, models);
  const text =
    `# Rendered by switchyard-operator from LLMGateway ${namespace}/${name} and its ModelDeployments.\n` +
    '# Edit those resources instead: changes here are overwritten.\n' +
    dumpYaml11(config);
  return {
    config,
    configMap: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: childNames(name).config,
        namespace,
        labels: gatewayLabels(gateway),
        ownerReferences: [ownerReference('LLMGateway', gateway.metadata)],
      },
      data: { [mounts.config.file]: text },
    },
    text,
    hash: sha256(text).slice(0, 16),
  };
}
