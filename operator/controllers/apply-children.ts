import { describeKubeError } from '../kube/api-error.ts';
import { isControlledBy } from '../kube/owner-references.ts';
import type { KubeObject } from '../render/kube-object.ts';
import type { Problem } from '../render/problems.ts';
import { inPrerequisiteOrder } from './apply-order.ts';
import { cacheForKind } from './caches.ts';
import type { ControllerContext } from './context.ts';
import type { KubeJson } from './kube-json.ts';
import { serviceMonitorResource } from './resources.ts';

export interface AppliedChildren {
  /** Kinds whose apply was sent this pass (their live state lags until the watch catches up). */
  readonly changed: ReadonlySet<string>;
  /** Jobs created this pass, by name. */
  readonly createdJobs: readonly string[];
  /** The objects applied this pass as the apiserver returned them, by `Kind/name`. */
  readonly returned: ReadonlyMap<string, KubeJson>;
  readonly problems: readonly Problem[];
}

/**
 * Applies a parent's children, each as soon as what it needs is applied (apply-order.ts): independent
 * children go out together. The Applier skips those whose live copy carries the desired hash, so an
 * unchanged world costs no request. A child of the same name controlled by someone else is left alone
 * (taking it over with force would be a silent hijack) and reported; a refused apply is reported too,
 * and the rest still go out.
 */
export async function applyChildren(
  ctx: ControllerContext,
  subject: string,
  ownerUid: string,
  objects: readonly KubeObject[],
): Promise<AppliedChildren> {
  const outcomes = await inPrerequisiteOrder(objects, async (child) => ({
    child,
    outcome: await applyChild(ctx, subject, ownerUid, child),
  }));
  const changed = new Set<string>();
  const createdJobs: string[] = [];
  const problems: Problem[] = [];
  const returned = new Map<string, KubeJson>();
  for (const { child, outcome } of outcomes) {
    if (outcome.problem !== undefined) problems.push(outcome.problem);
    if (!outcome.applied) continue;
    changed.add(child.kind);
    if (outcome.object !== undefined) returned.set(`${child.kind}/${child.metadata.name}`, outcome.object);
    if (child.kind === 'Job') createdJobs.push(child.metadata.name);
  }
  return { changed, createdJobs, problems, returned };
}

interface ChildOutcome {
  readonly applied: boolean;
  readonly object?: KubeJson;
  readonly problem?: Problem;
}

async function applyChild(
  ctx: ControllerContext,
  subject: string,
  ownerUid: string,
  object: KubeObject,
): Promise<ChildOutcome> {
  const { name, namespace } = object.metadata;
  const live = await liveChild(ctx, object.kind, name, namespace);
  if (live !== undefined && !ownedBy(live, ownerUid)) {
    return {
      applied: false,
      problem: {
        subject,
        condition: 'ResolvedRefs',
        reason: 'NameTaken',
        message: `${object.kind} ${name} exists and is not controlled by ${subject}; rename or delete it`,
        severity: 'error',
      },
    };
  }
  // A Job's pod template is immutable and its name is tied to the image: once made it is left to run.
  if (object.kind === 'Job' && live !== undefined) return { applied: false };
  try {
    const result = await ctx.applier.apply(object, live);
    return result.applied ? { applied: true, object: result.object as KubeJson } : { applied: false };
  } catch (error) {
    return {
      applied: false,
      problem: {
        subject,
        condition: 'Ready',
        reason: 'ApplyFailed',
        message: `applying ${object.kind} ${name} failed: ${describeKubeError(error)}`,
        severity: 'error',
      },
    };
  }
}

/** The live child, from its cache, or read live for the kinds that are not cached. */
async function liveChild(
  ctx: ControllerContext,
  kind: string,
  name: string,
  namespace: string,
): Promise<KubeJson | undefined> {
  const cache = cacheForKind(ctx.caches, kind);
  if (cache !== undefined) return cache.get(name, namespace);
  if (kind === serviceMonitorResource.kind) return ctx.readLive(serviceMonitorResource, name, namespace);
  throw new Error(`no cache for ${kind}`);
}

function ownedBy(object: KubeJson, uid: string): boolean {
  // No controller at all: ours from before the owner reference was set, or made by hand to be adopted.
  const controller = object.metadata?.ownerReferences?.find((ref) => ref.controller === true);
  return controller === undefined || isControlledBy(object, uid);
}
