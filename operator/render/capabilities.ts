/** What the cluster supports, discovered by the controller or given as flags to `render` offline. */
export interface ClusterCapabilities {
  /** Kubernetes minor version (1.x), from the apiserver's /version. */
  readonly kubernetesMinor: number;
  /** Whether monitoring.coreos.com/v1 ServiceMonitor is served. */
  readonly serviceMonitor: boolean;
}

/** The preStop `sleep` action is on by default from 1.30 (beta) and GA in 1.34. */
export function supportsSleepAction(capabilities: ClusterCapabilities): boolean {
  return capabilities.kubernetesMinor >= 30;
}
