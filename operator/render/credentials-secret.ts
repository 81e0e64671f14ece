import type { V1Secret } from '@kubernetes/client-node';
import type { LLMGateway } from '../api/llm-gateway.ts';
import type { ModelDeployment } from '../api/model-deployment.ts';
import { credentialFiles } from './credentials.ts';
import { gatewayLabels } from './labels.ts';
import { childNames } from './names.ts';
import { ownerReference } from './owner.ts';
import type { Problem } from './problems.ts';
import { describeRef, lookup, type SecretStore } from './secret-refs.ts';
import type { Applied } from './kube-object.ts';

export interface RenderedCredentials {
  readonly secret: Applied<V1Secret>;
  /** ModelDeployments whose every credential was found; only these go into config.yaml. */
  readonly resolved: readonly ModelDeployment[];
  readonly problems: readonly Problem[];
}

/**
 * Copies the credentials the ModelDeployments reference into one gateway-owned Secret mounted as files. A
 * changed or added credential changes only this Secret: the gateway re-reads the files, no pod restarts.
 */
export function credentialsSecret(
  gateway: LLMGateway,
  models: readonly ModelDeployment[],
  secrets: SecretStore,
): RenderedCredentials {
  const data: Record<string, string> = {};
  const resolved: ModelDeployment[] = [];
  const problems: Problem[] = [];
  for (const model of models) {
    const files = credentialFiles(model);
    const missing = files.filter((file) => lookup(secrets, file.ref) === undefined);
    if (missing.length > 0) {
      problems.push({
        subject: `ModelDeployment/${model.metadata.name}`,
        condition: 'ResolvedRefs',
        reason: 'SecretNotFound',
        message: `${missing.map((file) => describeRef(file.ref)).join(', ')} not found; left out of the gateway config`,
        severity: 'error',
      });
      continue;
    }
    for (const file of files) data[file.fileKey] = lookup(secrets, file.ref) ?? '';
    resolved.push(model);
  }
  const name = gateway.metadata.name;
  return {
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: childNames(name).credentials,
        namespace: gateway.metadata.namespace,
        labels: gatewayLabels(gateway),
        ownerReferences: [ownerReference('LLMGateway', gateway.metadata)],
      },
      type: 'Opaque',
      data: Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    },
    resolved,
    problems,
  };
}
