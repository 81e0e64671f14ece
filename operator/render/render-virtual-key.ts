import type { LLMGateway } from '../api/llm-gateway.ts';
import type { VirtualKey } from '../api/virtual-key.ts';
import { consumerSecret, consumerSecretName } from './consumer-secret.ts';
import type { KubeObject } from './kube-object.ts';
import { endpointOf } from './names.ts';
import type { Problem } from './problems.ts';

export interface VirtualKeyRenderInput {
  readonly virtualKey: VirtualKey;
  /** The gateway its gatewayRef names, when it exists. */
  readonly gateway: LLMGateway | undefined;
  /** The generated key (controller) or a placeholder (offline); unused with existingSecretRef. */
  readonly generatedKey: string;
}

export interface VirtualKeyRender {
  readonly objects: readonly KubeObject[];
  readonly status: { readonly secretName: string };
  readonly problems: readonly Problem[];
}

/** A VirtualKey's own child: the consumer Secret of a generated key. Its hash goes to the gateway's keys Secret. */
export function renderVirtualKey(input: VirtualKeyRenderInput): VirtualKeyRender {
  const { virtualKey, gateway } = input;
  const existing = virtualKey.spec.existingSecretRef;
  const secretName = existing?.name ?? consumerSecretName(virtualKey);
  if (gateway === undefined) {
    return {
      objects: [],
      status: { secretName },
      problems: [
        {
          subject: `VirtualKey/${virtualKey.metadata.name}`,
          condition: 'ResolvedRefs',
          reason: 'GatewayNotFound',
          message: `LLMGateway ${virtualKey.spec.gatewayRef.name} not found in namespace ${virtualKey.metadata.namespace}`,
          severity: 'error',
        },
      ],
    };
  }
  if (existing !== undefined) return { objects: [], status: { secretName }, problems: [] };
  return {
    objects: [consumerSecret({ virtualKey, key: input.generatedKey, baseUrl: endpointOf(gateway) })],
    status: { secretName },
    problems: [],
  };
}
