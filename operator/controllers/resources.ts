import { group, version } from '../api/group.ts';
import type { ResourceType } from '../kube/resource-type.ts';

const custom = (kind: string, plural: string): ResourceType => ({
  group,
  version,
  kind,
  plural,
  namespaced: true,
});

/** The operator's own kinds, for informers and status writes. */
export const customResources = {
  gateway: custom('LLMGateway', 'llmgateways'),
  model: custom('ModelDeployment', 'modeldeployments'),
  virtualKey: custom('VirtualKey', 'virtualkeys'),
} as const;

export const serviceMonitorResource: ResourceType = {
  group: 'monitoring.coreos.com',
  version: 'v1',
  kind: 'ServiceMonitor',
  plural: 'servicemonitors',
  namespaced: true,
};
