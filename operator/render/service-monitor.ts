import type { LLMGateway } from '../api/llm-gateway.ts';
import type { ClusterCapabilities } from './capabilities.ts';
import { ports } from './contract.ts';
import type { KubeObject } from './kube-object.ts';
import { gatewayLabels, selectorLabels } from './labels.ts';
import { childNames } from './names.ts';
import { ownerReference } from './owner.ts';
import type { Problem } from './problems.ts';

/** The part of monitoring.coreos.com/v1 ServiceMonitor the operator writes (client-node has no type for it). */
export interface ServiceMonitor extends KubeObject {
  readonly spec: {
    readonly selector: { readonly matchLabels: Record<string, string> };
    readonly endpoints: readonly {
      readonly port: string;
      readonly path: string;
      readonly interval: string;
    }[];
  };
}

export type ServiceMonitorResult =
  | { readonly serviceMonitor: ServiceMonitor; readonly problem?: undefined }
  | { readonly serviceMonitor?: undefined; readonly problem?: Problem };

/** A ServiceMonitor when asked for; when its CRD is missing, a warning instead of a failed apply. */
export function serviceMonitor(gateway: LLMGateway, capabilities: ClusterCapabilities): ServiceMonitorResult {
  const monitor = gateway.spec.serviceMonitor;
  if (monitor?.enabled !== true) return {};
  const name = gateway.metadata.name;
  if (!capabilities.serviceMonitor) {
    return {
      problem: {
        subject: `LLMGateway/${name}`,
        condition: 'Ready',
        reason: 'ServiceMonitorCRDMissing',
        message:
          'spec.serviceMonitor.enabled is set but monitoring.coreos.com/v1 ServiceMonitor is not served',
        severity: 'warning',
      },
    };
  }
  return {
    serviceMonitor: {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: {
        name: childNames(name).serviceMonitor,
        namespace: gateway.metadata.namespace,
        labels: { ...monitor.labels, ...gatewayLabels(gateway) },
        ownerReferences: [ownerReference('LLMGateway', gateway.metadata)],
      },
      spec: {
        selector: { matchLabels: selectorLabels(name) },
        endpoints: [{ port: ports.http.name, path: '/metrics', interval: monitor.interval }],
      },
    },
  };
}
