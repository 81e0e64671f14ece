import type { DeploymentJson } from './kube-json.ts';

export interface Rollout {
  readonly replicas: number;
  readonly readyReplicas: number;
  /**
   * Every pod runs the current template and one at least serves. Not "all wanted are available": an HPA
   * scaling up would then flip Ready at every step, though nothing is wrong.
   */
  readonly complete: boolean;
  /** The Deployment gave up (progressDeadlineSeconds passed). */
  readonly deadlineExceeded: boolean;
  readonly message: string;
}

/** What `kubectl rollout status` would say of the live Deployment. */
export function rolloutOf(deployment: DeploymentJson): Rollout {
  const status = deployment.status ?? {};
  const wanted = deployment.spec?.replicas ?? 1;
  const replicas = status.replicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const readyReplicas = status.readyReplicas ?? 0;
  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0);
  const deadlineExceeded = (status.conditions ?? []).some(
    (c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded',
  );
  const complete = observed && updated >= wanted && replicas <= updated && available >= Math.min(1, wanted);
  let message: string;
  if (!observed) message = 'the Deployment controller has not seen the new pod template yet';
  else if (updated < wanted) message = `${updated} of ${wanted} pods updated`;
  else if (replicas > updated) message = `${replicas - updated} old pods still terminating`;
  else message = `${available} of ${wanted} pods available`;
  return { replicas, readyReplicas, complete, deadlineExceeded, message };
}
