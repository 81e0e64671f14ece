import { apiVersion } from '../api/group.ts';
import { isNotFound } from '../kube/api-error.ts';
import type { ProcessOutcome } from '../kube/work-queue.ts';
import { modelProblems } from '../render/render-gateway.ts';
import type { ControllerContext } from './context.ts';
import { gatewayKey } from './event-mapping.ts';
import { gatewayModelInputs } from './gateway-inputs.ts';
import { withKind } from './kube-json.ts';
import { modelStatus } from './model-status.ts';
import { parseGateway, parseModel } from './parse-resources.ts';
import { recordTransitions } from './record-transitions.ts';
import { customResources } from './resources.ts';

/**
 * One pass over a ModelDeployment: it has no children of its own (its gateway renders it into the
 * ConfigMap and the credentials Secret), so this reports what the gateway's render made of it, computed
 * from the same inputs and the same builder the gateway reconcile uses, and sends the gateway to pick the
 * change up.
 */
export async function reconcileModel(
  ctx: ControllerContext,
  namespace: string,
  name: string,
): Promise<ProcessOutcome | undefined> {
  const cached = ctx.caches.models.get(name, namespace);
  if (cached === undefined || cached.metadata?.deletionTimestamp !== undefined) return undefined;
  const json = withKind(cached, apiVersion, 'ModelDeployment');
  const parsed = parseModel(json);
  const generation = json.metadata?.generation;
  let status;
  if (!parsed.ok) {
    status = modelStatus({
      name,
      generation,
      gatewayName: '',
      modelName: '',
      gatewayProblems: [
        {
          subject: `ModelDeployment/${name}`,
          condition: 'ConfigValid',
          reason: 'InvalidSpec',
          message: parsed.message,
          severity: 'error',
        },
      ],
      gatewayMissingMessage: '',
      previous: json.status?.conditions,
      clock: { now: ctx.now },
    });
  } else {
    const model = parsed.value;
    const gatewayName = model.spec.gatewayRef.name;
    const gatewayJson = ctx.caches.gateways.get(gatewayName, namespace);
    const gateway = gatewayJson === undefined ? undefined : parseGateway(gatewayJson);
    // Only the credentials part of the gateway's render speaks of its models: that is all rendered here.
    let problems;
    if (gateway?.ok === true) {
      const { models, secrets } = gatewayModelInputs(ctx.caches, gateway.value);
      problems = modelProblems(gateway.value, models, secrets);
    }
    status = modelStatus({
      name,
      generation,
      gatewayName,
      modelName: model.spec.modelName,
      gatewayProblems: problems,
      gatewayMissingMessage:
        gateway === undefined
          ? `LLMGateway ${gatewayName} not found in namespace ${namespace}`
          : `LLMGateway ${gatewayName} has an invalid spec`,
      previous: json.status?.conditions,
      clock: { now: ctx.now },
    });
    ctx.enqueue(gatewayKey(namespace, gatewayName));
  }
  try {
    await ctx.applier.applyStatus({ resource: customResources.model, name, namespace }, status, json.status);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  recordTransitions(ctx, json, status.conditions);
  return undefined;
}
