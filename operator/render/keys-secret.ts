import type { V1Secret } from '@kubernetes/client-node';
import type { LLMGateway } from '../api/llm-gateway.ts';
import { toBase64 } from './base64.ts';
import { mounts } from './contract.ts';
import { keysFile, type IssuedKey } from './keys-file.ts';
import { gatewayLabels } from './labels.ts';
import { childNames } from './names.ts';
import { ownerReference } from './owner.ts';
import type { Applied } from './kube-object.ts';

/**
 * The Secret mounted as the gateway's keys file. It holds hashes and policy, not keys, but stays a Secret:
 * which keys exist and what they may spend is not for everyone who can read ConfigMaps.
 */
export function keysSecret(gateway: LLMGateway, keys: readonly IssuedKey[]): Applied<V1Secret> {
  const members = keys.filter(
    (issued) =>
      issued.virtualKey.spec.gatewayRef.name === gateway.metadata.name &&
      issued.virtualKey.metadata.namespace === gateway.metadata.namespace,
  );
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: childNames(gateway.metadata.name).keys,
      namespace: gateway.metadata.namespace,
      labels: gatewayLabels(gateway),
      ownerReferences: [ownerReference('LLMGateway', gateway.metadata)],
    },
    type: 'Opaque',
    data: { [mounts.keys.file]: toBase64(`${JSON.stringify(keysFile(members), null, 2)}\n`) },
  };
}
