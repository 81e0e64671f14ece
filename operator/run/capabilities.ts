import type { KubeConnection } from '../kube/kube-connection.ts';
import { isNotFound } from '../kube/api-error.ts';
import { getJson } from '../kube/kube-request.ts';
import type { ClusterCapabilities } from '../render/capabilities.ts';

const serviceMonitorCrd =
  '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/servicemonitors.monitoring.coreos.com';

/**
 * What the cluster offers, asked of the apiserver: the minor version (the preStop sleep action) and
 * whether the ServiceMonitor CRD exists. Read-only requests; the chart grants reading CRDs cluster-wide.
 */
export async function discoverCapabilities(kubeConfig: KubeConnection): Promise<ClusterCapabilities> {
  const version = await getJson<{ major?: string; minor?: string }>(kubeConfig, '/version');
  // Some distributions report "30+".
  const kubernetesMinor = Number.parseInt(version.minor ?? '', 10);
  if (!Number.isFinite(kubernetesMinor))
    throw new Error(`cannot read the Kubernetes minor version from /version`);
  let serviceMonitor: boolean;
  try {
    await getJson(kubeConfig, serviceMonitorCrd);
    serviceMonitor = true;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    serviceMonitor = false;
  }
  return { kubernetesMinor, serviceMonitor };
}

export function sameCapabilities(a: ClusterCapabilities, b: ClusterCapabilities): boolean {
  return a.kubernetesMinor === b.kubernetesMinor && a.serviceMonitor === b.serviceMonitor;
}
