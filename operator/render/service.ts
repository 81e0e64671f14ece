import type { V1Service } from '@kubernetes/client-node';
import type { LLMGateway } from '../api/llm-gateway.ts';
import { ports } from './contract.ts';
import { gatewayLabels, selectorLabels } from './labels.ts';
import { childNames } from './names.ts';
import { ownerReference } from './owner.ts';
import type { Applied } from './kube-object.ts';

/** The API and /metrics port. The health port stays off the Service: only the kubelet probes it. */
export function service(gateway: LLMGateway): Applied<V1Service> {
  const { service: spec } = gateway.spec;
  const name = gateway.metadata.name;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: childNames(name).service,
      namespace: gateway.metadata.namespace,
      labels: gatewayLabels(gateway),
      ...(spec.annotations === undefined ? {} : { annotations: { ...spec.annotations } }),
      ownerReferences: [ownerReference('LLMGateway', gateway.metadata)],
    },
    spec: {
      type: spec.type,
      selector: selectorLabels(name),
      ports: [
        {
          name: ports.http.name,
          port: spec.port,
          targetPort: ports.http.name,
          protocol: 'TCP',
          appProtocol: 'http',
        },
      ],
    },
  };
}
