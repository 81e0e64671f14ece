// The operator runs as its own ServiceAccount (as the Helm chart runs it), not as the admin the control
// plane's other clients share, so the apiserver can tell its requests apart: API Priority and Fairness
// classifies each request by user, verb and resource into a FlowSchema, and counts it per FlowSchema in
// `apiserver_flowcontrol_dispatched_requests_total`. One FlowSchema per (verb, resource) the operator may
// write, all on the `exempt` priority level (as system:masters would be: nothing is queued or throttled).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeHttp } from './kube-http.ts';

export const operatorNamespace = 'switchyard-system';
export const operatorServiceAccount = 'switchyard-operator';
const flowSchemaPrefix = 'switchyard-bench';

export const writeVerbs = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;

/** [apiGroup, resource] the operator writes or might write; anything else lands in a per-verb catch-all. */
const writableResources: readonly (readonly [string, string])[] = [
  ['', 'configmaps'],
  ['', 'secrets'],
  ['', 'services'],
  ['', 'serviceaccounts'],
  ['', 'events'],
  ['', 'pods'],
  ['apps', 'deployments'],
  ['batch', 'jobs'],
  ['autoscaling', 'horizontalpodautoscalers'],
  ['policy', 'poddisruptionbudgets'],
  ['events.k8s.io', 'events'],
  ['coordination.k8s.io', 'leases'],
  ['monitoring.coreos.com', 'servicemonitors'],
  ['switchyard.dev', 'llmgateways'],
  ['switchyard.dev', 'llmgateways/status'],
  ['switchyard.dev', 'modeldeployments'],
  ['switchyard.dev', 'modeldeployments/status'],
  ['switchyard.dev', 'virtualkeys'],
  ['switchyard.dev', 'virtualkeys/status'],
];

/** What a FlowSchema of ours counts. */
export interface FlowClass {
  readonly verb: string;
  /** `group/resource[/subresource]` ("core" for the core group), `*` for the catch-alls. */
  readonly resource: string;
}

export interface OperatorIdentity {
  readonly kubeconfigPath: string;
  readonly user: string;
  /** FlowSchema name → what it counts. */
  readonly flows: ReadonlyMap<string, FlowClass>;
}

/**
 * Makes the ServiceAccount (bound to cluster-admin), a token for it, a kubeconfig with that token, and
 * the FlowSchemas that count its requests.
 */
export async function createOperatorIdentity(
  admin: KubeHttp,
  caData: string,
  dir: string,
): Promise<OperatorIdentity> {
  const subject = { kind: 'ServiceAccount', name: operatorServiceAccount, namespace: operatorNamespace };
  await admin.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: operatorNamespace },
  });
  await admin.request('POST', `/api/v1/namespaces/${operatorNamespace}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: operatorServiceAccount, namespace: operatorNamespace },
  });
  await admin.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: flowSchemaPrefix },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [subject],
  });
  const tokenRequest = await admin.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${operatorNamespace}/serviceaccounts/${operatorServiceAccount}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 4 * 3600 } },
  );
  const kubeconfigPath = join(dir, 'operator-kubeconfig');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'scale', cluster: { server: admin.server, 'certificate-authority-data': caData } }],
    users: [{ name: operatorServiceAccount, user: { token: tokenRequest.status.token } }],
    contexts: [{ name: 'scale', context: { cluster: 'scale', user: operatorServiceAccount } }],
    'current-context': 'scale',
  };
  await writeFile(kubeconfigPath, JSON.stringify(kubeconfig, null, 2), { mode: 0o600 });

  const flows = new Map<string, FlowClass>();
  const schemas: object[] = [];
  const schema = (name: string, precedence: number, rule: object, flow: FlowClass) => {
    flows.set(name, flow);
    schemas.push({
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'FlowSchema',
      metadata: { name },
      spec: {
        priorityLevelConfiguration: { name: 'exempt' },
        matchingPrecedence: precedence,
        rules: [{ subjects: [{ kind: 'ServiceAccount', serviceAccount: subject }], ...rule }],
      },
    });
  };
  const everywhere = { namespaces: ['*'], clusterScope: true };
  for (const verb of writeVerbs) {
    for (const [group, resource] of writableResources) {
      const name = `${flowSchemaPrefix}-${verb}-${resource.replace('/', '-')}.${group || 'core'}`;
      schema(
        name,
        200,
        { resourceRules: [{ verbs: [verb], apiGroups: [group], resources: [resource], ...everywhere }] },
        { verb, resource: `${group || 'core'}/${resource}` },
      );
    }
    schema(
      `${flowSchemaPrefix}-${verb}-other`,
      300,
      { resourceRules: [{ verbs: [verb], apiGroups: ['*'], resources: ['*'], ...everywhere }] },
      { verb, resource: '*' },
    );
  }
  schema(
    `${flowSchemaPrefix}-read`,
    400,
    {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], ...everywhere }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    },
    { verb: 'read', resource: '*' },
  );
  for (const body of schemas)
    await admin.request('POST', '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas', body);
  return {
    kubeconfigPath,
    user: `system:serviceaccount:${operatorNamespace}:${operatorServiceAccount}`,
    flows,
  };
}

/** Requests counted per FlowSchema of ours, from the apiserver's /metrics text. */
export function flowCounts(metricsText: string, flows: ReadonlyMap<string, FlowClass>): Map<string, number> {
  const counts = new Map<string, number>();
  const pattern = /^apiserver_flowcontrol_dispatched_requests_total\{([^}]*)\} (\S+)$/gm;
  for (const match of metricsText.matchAll(pattern)) {
    const flowSchema = /flow_schema="([^"]*)"/.exec(match[1] ?? '')?.[1];
    if (flowSchema === undefined || !flows.has(flowSchema)) continue;
    counts.set(flowSchema, (counts.get(flowSchema) ?? 0) + Number(match[2]));
  }
  return counts;
}
