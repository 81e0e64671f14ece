// Requests of the kube-controller-manager's controllers that stand between a gateway and its Ready: the Job
// controller (migration pods and their status), the Deployment and ReplicaSet controllers (the rollout).
// Each controller has its own client, rate-limited by --kube-api-qps (20 by default) and --kube-api-burst
// (30), so a controller that makes N requests for the fleet needs N / 20 seconds at least. Counted as the
// operator's are: one FlowSchema per controller's ServiceAccount, on the priority level and with the
// distinguisher of `kube-system-service-accounts`, which would classify them otherwise (counting them
// changes nothing of how they are served).
import type { KubeHttp } from './kube-http.ts';

export const pacingControllers = [
  'job-controller',
  'deployment-controller',
  'replicaset-controller',
] as const;

const prefix = 'switchyard-bench-kcm-';

export async function createControllerFlows(admin: KubeHttp): Promise<void> {
  for (const controller of pacingControllers) {
    await admin.request('POST', '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas', {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'FlowSchema',
      metadata: { name: `${prefix}${controller}` },
      spec: {
        priorityLevelConfiguration: { name: 'workload-high' },
        matchingPrecedence: 850,
        distinguisherMethod: { type: 'ByNamespace' },
        rules: [
          {
            subjects: [
              { kind: 'ServiceAccount', serviceAccount: { name: controller, namespace: 'kube-system' } },
            ],
            resourceRules: [
              { verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true },
            ],
            nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          },
        ],
      },
    });
  }
}

/** Requests dispatched so far per controller, from the apiserver's /metrics text. */
export function controllerCounts(metricsText: string): Map<string, number> {
  const counts = new Map<string, number>();
  const pattern = /^apiserver_flowcontrol_dispatched_requests_total\{([^}]*)\} (\S+)$/gm;
  for (const match of metricsText.matchAll(pattern)) {
    const flowSchema = /flow_schema="([^"]*)"/.exec(match[1] ?? '')?.[1];
    if (flowSchema?.startsWith(prefix) !== true) continue;
    const controller = flowSchema.slice(prefix.length);
    counts.set(controller, (counts.get(controller) ?? 0) + Number(match[2]));
  }
  return counts;
}

/** The note line: each controller's requests and the time they take at the default client limit. */
export function controllerLine(counts: ReadonlyMap<string, number>, qps = 20): string {
  return pacingControllers
    .map((controller) => {
      const count = counts.get(controller) ?? 0;
      return `${controller} ${count.toFixed(0)} (${(count / qps).toFixed(0)} s at ${qps}/s)`;
    })
    .join(', ');
}
