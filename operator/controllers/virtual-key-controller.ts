import type { VirtualKey } from '../api/virtual-key.ts';
import { apiVersion } from '../api/group.ts';
import { isNotFound } from '../kube/api-error.ts';
import { computeConditions } from '../kube/conditions.ts';
import type { ConditionInput } from '../kube/conditions.ts';
import { builtInResources } from '../kube/resource-type.ts';
import type { ProcessOutcome } from '../kube/work-queue.ts';
import { consumerSecretName } from '../render/consumer-secret.ts';
import { sha256 } from '../render/hash.ts';
import { renderVirtualKey } from '../render/render-virtual-key.ts';
import type { KubeObject } from '../render/kube-object.ts';
import { applyChildren } from './apply-children.ts';
import type { ControllerContext } from './context.ts';
import { gatewayKey } from './event-mapping.ts';
import { generateKey } from './generate-key.ts';
import { existingKey } from './issued-keys.ts';
import { decideKey, keyIdOf, keyStateAnnotations, readStoredKey } from './key-state.ts';
import type { KeyDecision } from './key-state.ts';
import { withKind } from './kube-json.ts';
import type { CustomResourceJson, SecretJson } from './kube-json.ts';
import { parseGateway, parseVirtualKey } from './parse-resources.ts';
import type { Problem } from '../render/problems.ts';
import { summarize } from './problem-summary.ts';
import { recordTransitions } from './record-transitions.ts';
import { customResources } from './resources.ts';

interface KeyOutcome {
  readonly hash?: string;
  readonly decision?: KeyDecision;
  readonly problems: readonly Problem[];
}

/**
 * One pass over a VirtualKey: make sure its key exists (generating or rotating it here, never in a
 * builder), write it to the consumer Secret with the rotation state beside it, report, and send its
 * gateway to put the hash in the keys Secret. Deletion needs nothing: the consumer Secret is garbage
 * collected, and the gateway's next render leaves the key out, which revokes it.
 */
export async function reconcileVirtualKey(
  ctx: ControllerContext,
  namespace: string,
  name: string,
): Promise<ProcessOutcome | undefined> {
  const cached = ctx.caches.virtualKeys.get(name, namespace);
  if (cached === undefined || cached.metadata?.deletionTimestamp !== undefined) return undefined;
  const json = withKind(cached, apiVersion, 'VirtualKey');
  const parsed = parseVirtualKey(json);
  const generation = json.metadata?.generation;
  if (!parsed.ok) {
    const problem: Problem = {
      subject: `VirtualKey/${name}`,
      condition: 'ConfigValid',
      reason: 'InvalidSpec',
      message: parsed.message,
      severity: 'error',
    };
    await writeStatus(ctx, json, { conditions: conditionsFor(json, generation, [problem], ctx) });
    return undefined;
  }
  const virtualKey = parsed.value;
  const gatewayJson = ctx.caches.gateways.get(virtualKey.spec.gatewayRef.name, namespace);
  const gatewayParsed = gatewayJson === undefined ? undefined : parseGateway(gatewayJson);
  const gateway = gatewayParsed?.ok === true ? gatewayParsed.value : undefined;

  const outcome =
    virtualKey.spec.existingSecretRef !== undefined
      ? existingKeyOutcome(ctx, virtualKey)
      : await generatedKeyOutcome(ctx, json, virtualKey, gateway);
  const refProblems =
    gateway === undefined ? renderVirtualKey({ virtualKey, gateway, generatedKey: '' }).problems : [];
  const problems = [...refProblems, ...outcome.problems];
  const secretName = virtualKey.spec.existingSecretRef?.name ?? consumerSecretName(virtualKey);
  const decision = outcome.decision;
  const status = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: conditionsFor(json, generation, problems, ctx),
    secretName,
    ...(outcome.hash !== undefined ? { keyId: keyIdOf(outcome.hash) } : {}),
    ...(decision?.trigger !== undefined ? { observedRotationTrigger: decision.trigger } : {}),
    ...(decision?.previous !== undefined ? { previousKeyExpiresAt: decision.previous.expiresAt } : {}),
  };
  await writeStatus(ctx, json, status);
  recordTransitions(ctx, json, status.conditions);
  // The keys Secret is the gateway's child: its reconcile puts this key's hash (or its absence) there.
  ctx.enqueue(gatewayKey(namespace, virtualKey.spec.gatewayRef.name));
  const failed = problems.filter((p) => p.reason === 'ApplyFailed');
  if (failed.length > 0) throw new Error(failed.map((p) => p.message).join('; '));
  return decision?.recheckInMs !== undefined ? { requeueAfterMs: decision.recheckInMs } : undefined;
}

function existingKeyOutcome(ctx: ControllerContext, virtualKey: VirtualKey): KeyOutcome {
  const ref = virtualKey.spec.existingSecretRef;
  if (ref === undefined) return { problems: [] };
  const key = existingKey(ctx.caches.secrets.get(ref.name, virtualKey.metadata.namespace)?.data?.[ref.key]);
  if (key !== undefined) return { hash: sha256(key), problems: [] };
  return {
    problems: [
      {
        subject: `VirtualKey/${virtualKey.metadata.name}`,
        condition: 'ResolvedRefs',
        reason: 'SecretNotFound',
        message: `Secret ${ref.name} key ${ref.key} not found or empty; the key is not accepted until it exists`,
        severity: 'error',
      },
    ],
  };
}

async function generatedKeyOutcome(
  ctx: ControllerContext,
  json: CustomResourceJson,
  virtualKey: VirtualKey,
  gateway: Parameters<typeof renderVirtualKey>[0]['gateway'],
): Promise<KeyOutcome> {
  const { namespace, uid } = virtualKey.metadata;
  const secretName = consumerSecretName(virtualKey);
  const rotation = virtualKey.spec.rotation;
  const decide = (secret: SecretJson | undefined): KeyDecision =>
    decideKey({
      stored: readStoredKey(secret, uid),
      trigger: rotation?.trigger,
      overlapSeconds: rotation?.overlapSeconds ?? 0,
      now: ctx.now(),
    });
  const cachedSecret = ctx.caches.secrets.get(secretName, namespace);
  let secret: SecretJson | undefined = cachedSecret;
  let decision = decide(secret);
  if (decision.action !== 'keep') {
    // Making a key must not rest on a cache that may not have seen our own last write yet: a second key
    // would silently replace the first one a consumer may already use. One read, only on this path.
    secret = await ctx.readLive(builtInResources.secret, secretName, namespace);
    decision = decide(secret);
  }
  const stored = readStoredKey(secret, uid);
  const key = decision.action === 'keep' && stored.key !== undefined ? stored.key : generateKey();
  if (gateway === undefined) {
    // The consumer Secret needs the gateway's URL: wait for the gateway, keep whatever key exists (and
    // report no rotation that did not happen).
    if (stored.key === undefined) return { problems: [] };
    return { hash: sha256(stored.key), ...(decision.action === 'keep' ? { decision } : {}), problems: [] };
  }
  const rendered = renderVirtualKey({ virtualKey, gateway, generatedKey: key });
  const objects = rendered.objects.map((object) => withAnnotations(object, keyStateAnnotations(decision)));
  const applied = await applyChildren(ctx, `VirtualKey/${virtualKey.metadata.name}`, uid ?? '', objects);
  const taken = applied.problems.some((p) => p.reason === 'NameTaken');
  if (taken) return { problems: applied.problems };
  if (applied.problems.length === 0 && decision.action !== 'keep')
    reportNewKey(ctx, json, decision, key, secretName);
  if (applied.problems.length > 0 && decision.action !== 'keep') return { problems: applied.problems };
  return { hash: sha256(key), decision, problems: applied.problems };
}

/**
 * A new key goes to the log always, and to an event only when it is news to a human: a rotation, or a key
 * that replaced one the status had already reported (its Secret was deleted or lost the key, so consumers
 * of the old one now fail). A first key is in the status (`keyId`, `secretName`, Ready `Issued`); an event
 * each would be one API write per VirtualKey (2000 of the operator's ~11900 writes in e2e/scale).
 */
function reportNewKey(
  ctx: ControllerContext,
  json: CustomResourceJson,
  decision: KeyDecision,
  key: string,
  secretName: string,
): void {
  const keyId = keyIdOf(sha256(key));
  const reportedKeyId = json.status?.keyId;
  const replaced = typeof reportedKeyId === 'string' && reportedKeyId !== keyId ? reportedKeyId : undefined;
  ctx.log.info(
    {
      virtualKey: `${json.metadata?.namespace ?? ''}/${json.metadata?.name ?? ''}`,
      secret: secretName,
      keyId,
      action: decision.action,
      ...(replaced !== undefined ? { replacedKeyId: replaced } : {}),
    },
    decision.action === 'rotate' ? 'rotated key' : 'generated key',
  );
  if (decision.action === 'rotate') {
    ctx.recordEvent({
      regarding: json,
      type: 'Normal',
      reason: 'KeyRotated',
      action: 'Rotate',
      note: `generated key ${keyId} into Secret ${secretName}; the previous key is accepted until ${decision.previous?.expiresAt ?? 'now (no overlap)'}`,
    });
  } else if (replaced !== undefined) {
    ctx.recordEvent({
      regarding: json,
      type: 'Normal',
      reason: 'KeyGenerated',
      action: 'Generate',
      note: `generated key ${keyId} into Secret ${secretName}, replacing key ${replaced}, which its Secret no longer held`,
    });
  }
}

function withAnnotations(object: KubeObject, annotations: Record<string, string>): KubeObject {
  return {
    ...object,
    metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, ...annotations } },
  };
}

function conditionsFor(
  json: CustomResourceJson,
  generation: number | undefined,
  problems: readonly Problem[],
  ctx: ControllerContext,
) {
  const stamp = generation !== undefined ? { observedGeneration: generation } : {};
  const errors = problems.filter((p) => p.severity === 'error');
  const byCondition = (type: string) => errors.filter((p) => p.condition === type);
  const refs = byCondition('ResolvedRefs');
  const inputs: ConditionInput[] = [
    errors.length > 0
      ? { type: 'Ready', status: 'False', ...summarize(errors), ...stamp }
      : {
          type: 'Ready',
          status: 'True',
          reason: 'Issued',
          message: 'the key is issued and handed to its gateway',
          ...stamp,
        },
    refs.length > 0
      ? { type: 'ResolvedRefs', status: 'False', ...summarize(refs), ...stamp }
      : {
          type: 'ResolvedRefs',
          status: 'True',
          reason: 'Resolved',
          message: 'the gateway and the key Secret exist',
          ...stamp,
        },
  ];
  const config = byCondition('ConfigValid');
  if (config.length > 0)
    inputs.push({ type: 'ConfigValid', status: 'False', ...summarize(config), ...stamp });
  return computeConditions(json.status?.conditions, inputs, { now: ctx.now });
}

async function writeStatus(ctx: ControllerContext, json: CustomResourceJson, status: object): Promise<void> {
  const target = {
    resource: customResources.virtualKey,
    name: json.metadata?.name ?? '',
    namespace: json.metadata?.namespace ?? '',
  };
  try {
    await ctx.applier.applyStatus(target, status, json.status);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
