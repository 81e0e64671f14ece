import { apiVersion } from '../api/group.ts';
import type { LLMGateway } from '../api/llm-gateway.ts';
import { isNotFound } from '../kube/api-error.ts';
import { computeConditions } from '../kube/conditions.ts';
import type { ProcessOutcome } from '../kube/work-queue.ts';
import type { KubeObject } from '../render/kube-object.ts';
import { childNames } from '../render/names.ts';
import { renderGateway } from '../render/render-gateway.ts';
import { applyChildren } from './apply-children.ts';
import type { ControllerContext } from './context.ts';
import { controlled, gatewayRenderInput } from './gateway-inputs.ts';
import { gatewayStatus } from './gateway-status.ts';
import { withKind } from './kube-json.ts';
import type { CustomResourceJson } from './kube-json.ts';
import { parseGateway } from './parse-resources.ts';
import { prunableChildren, pruneChildren, unwanted } from './prune.ts';
import { customResources } from './resources.ts';
import { recordNewWarnings, recordTransitions } from './record-transitions.ts';

/** While a rollout or a migration runs, look again this often even if no event arrives. */
export const progressingRequeueMs = 10_000;

/**
 * One pass over a gateway: read its world from the caches, render the whole desired state, apply what
 * differs, prune optional children it no longer wants, and report. Level-triggered: the same pass serves
 * creation, update and recovery, and an unchanged world makes no request at all.
 */
export async function reconcileGateway(
  ctx: ControllerContext,
  namespace: string,
  name: string,
): Promise<ProcessOutcome | undefined> {
  const cached = ctx.caches.gateways.get(name, namespace);
  // Gone, or going: the garbage collector removes the children (their owner references say so).
  if (cached === undefined || cached.metadata?.deletionTimestamp !== undefined) return undefined;
  const json = withKind(cached, apiVersion, 'LLMGateway');
  const parsed = parseGateway(json);
  if (!parsed.ok) {
    await writeInvalid(ctx, json, parsed.message);
    return undefined;
  }
  const gateway = parsed.value;
  const uid = gateway.metadata.uid ?? '';
  const subject = `LLMGateway/${name}`;
  const capabilities = ctx.capabilities();
  const render = renderGateway(
    gatewayRenderInput(
      { caches: ctx.caches, capabilities, defaultImage: ctx.defaultImage, now: ctx.now() },
      gateway,
    ),
  );
  const liveDeployment = controlled(ctx.caches.deployments.get(childNames(name).deployment, namespace), uid);

  const applied = await applyChildren(
    ctx,
    subject,
    uid,
    withoutOrphanScaler(render.objects, liveDeployment !== undefined),
  );
  const pruned = await pruneChildren(
    ctx,
    subject,
    { uid, namespace },
    unwanted(prunableChildren(name, capabilities.serviceMonitor), render.objects),
  );
  for (const job of applied.createdJobs) {
    ctx.recordEvent({
      regarding: json,
      type: 'Normal',
      reason: 'MigrationStarted',
      action: 'Migrate',
      note: `started Job ${job} to migrate the database for ${render.status.image}`,
    });
  }
  for (const object of pruned.deleted) {
    ctx.recordEvent({
      regarding: json,
      type: 'Normal',
      reason: 'Pruned',
      action: 'Delete',
      note: `deleted ${object}: no longer in the spec`,
    });
  }

  const result = gatewayStatus({
    gateway,
    render,
    applyProblems: [...applied.problems, ...pruned.problems],
    deployment: applied.returned.get(`Deployment/${childNames(name).deployment}`) ?? liveDeployment,
    deploymentChanged: applied.changed.has('Deployment'),
    previous: json.status?.conditions,
    clock: { now: ctx.now },
  });
  await writeStatus(ctx, gateway, json, result.status);
  recordTransitions(ctx, json, result.status.conditions);
  recordNewWarnings(ctx, json, render.problems, subject);
  const failed = [...applied.problems, ...pruned.problems].filter((p) => p.reason !== 'NameTaken');
  // Reported in status above; thrown so the queue retries with backoff.
  if (failed.length > 0) throw new Error(failed.map((p) => p.message).join('; '));
  return result.progressing ? { requeueAfterMs: progressingRequeueMs } : undefined;
}

/**
 * The HPA waits for its Deployment (held back until the first migration): before, it only fills the
 * gateway's events with FailedGetScale warnings.
 */
function withoutOrphanScaler(
  objects: readonly KubeObject[],
  deploymentExists: boolean,
): readonly KubeObject[] {
  if (deploymentExists || objects.some((object) => object.kind === 'Deployment')) return objects;
  return objects.filter((object) => object.kind !== 'HorizontalPodAutoscaler');
}

async function writeStatus(
  ctx: ControllerContext,
  gateway: LLMGateway,
  json: CustomResourceJson,
  status: object,
): Promise<void> {
  const { name, namespace } = gateway.metadata;
  try {
    await ctx.applier.applyStatus(
      { resource: customResources.gateway, name, namespace },
      status,
      json.status,
    );
  } catch (error) {
    // Deleted since it was read: nothing left to report on.
    if (!isNotFound(error)) throw error;
  }
}

/** A gateway the schema refuses: say so, touch nothing. */
async function writeInvalid(
  ctx: ControllerContext,
  json: CustomResourceJson,
  message: string,
): Promise<void> {
  const generation = json.metadata?.generation;
  const stamp = generation !== undefined ? { observedGeneration: generation } : {};
  const conditions = computeConditions(
    json.status?.conditions,
    [
      { type: 'Ready', status: 'False', reason: 'InvalidSpec', message, ...stamp },
      { type: 'ConfigValid', status: 'False', reason: 'InvalidSpec', message, ...stamp },
    ],
    { now: ctx.now },
  );
  const target = {
    resource: customResources.gateway,
    name: json.metadata?.name ?? '',
    namespace: json.metadata?.namespace ?? '',
  };
  await ctx.applier.applyStatus(target, { ...stamp, conditions }, json.status);
  recordTransitions(ctx, json, conditions);
}
