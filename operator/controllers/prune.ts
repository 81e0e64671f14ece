import { describeKubeError } from '../kube/api-error.ts';
import type { DesiredObject } from '../kube/apply.ts';
import { isControlledBy } from '../kube/owner-references.ts';
import { childNames } from '../render/names.ts';
import type { KubeObject } from '../render/kube-object.ts';
import type { Problem } from '../render/problems.ts';
import type { ControllerContext } from './context.ts';
import type { KubeJson } from './kube-json.ts';
import { serviceMonitorResource } from './resources.ts';

/** Children that come and go with the spec. The Deployment is never pruned: pods held back keep serving. */
export interface PrunableChild {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

export function prunableChildren(gatewayName: string, serviceMonitorServed: boolean): PrunableChild[] {
  const names = childNames(gatewayName);
  return [
    { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: names.hpa },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', name: names.pdb },
    ...(serviceMonitorServed
      ? [{ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', name: names.serviceMonitor }]
      : []),
  ];
}

/** The optional children that the desired state no longer has (pure). */
export function unwanted(
  candidates: readonly PrunableChild[],
  desired: readonly KubeObject[],
): PrunableChild[] {
  return candidates.filter(
    (child) => !desired.some((object) => object.kind === child.kind && object.metadata.name === child.name),
  );
}

/** Deletes the unwanted children this gateway controls; returns what was deleted and what failed. */
export async function pruneChildren(
  ctx: ControllerContext,
  subject: string,
  owner: { readonly uid: string; readonly namespace: string },
  children: readonly PrunableChild[],
): Promise<{ deleted: string[]; problems: Problem[] }> {
  const deleted: string[] = [];
  const problems: Problem[] = [];
  for (const child of children) {
    const live = await liveOf(ctx, child, owner.namespace);
    if (live === undefined || !isControlledBy(live, owner.uid)) continue;
    const object: DesiredObject = {
      apiVersion: child.apiVersion,
      kind: child.kind,
      metadata: { name: child.name, namespace: owner.namespace },
    };
    try {
      if (await ctx.applier.delete(object, live)) deleted.push(`${child.kind} ${child.name}`);
    } catch (error) {
      problems.push({
        subject,
        condition: 'Ready',
        reason: 'DeleteFailed',
        message: `deleting ${child.kind} ${child.name} failed: ${describeKubeError(error)}`,
        severity: 'error',
      });
    }
  }
  return { deleted, problems };
}

function liveOf(
  ctx: ControllerContext,
  child: PrunableChild,
  namespace: string,
): Promise<KubeJson | undefined> {
  switch (child.kind) {
    case 'HorizontalPodAutoscaler':
      return Promise.resolve(ctx.caches.horizontalPodAutoscalers.get(child.name, namespace));
    case 'PodDisruptionBudget':
      return Promise.resolve(ctx.caches.podDisruptionBudgets.get(child.name, namespace));
    default:
      return ctx.readLive(serviceMonitorResource, child.name, namespace);
  }
}
