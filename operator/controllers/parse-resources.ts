import type { z } from 'zod';
import { apiVersion } from '../api/group.ts';
import { llmGatewaySchema, type LLMGateway } from '../api/llm-gateway.ts';
import { modelDeploymentSchema, type ModelDeployment } from '../api/model-deployment.ts';
import { virtualKeySchema, type VirtualKey } from '../api/virtual-key.ts';
import type { KubeJson } from './kube-json.ts';

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * Parse results by the cached object they came from. A cache replaces an object when it changes, never
 * mutates it, so a result stays right for as long as its object lives (and goes with it): the gateway
 * render reads every model and key of its namespace, and without this reparsed them at every reconcile
 * (e2e/scale: nearly half the operator's CPU at 50 gateways per namespace).
 */
const parsedByKind = new Map<string, WeakMap<object, Parsed<unknown>>>();

/**
 * A cached custom resource through its zod schema: the same defaults and types the builders were tested
 * with. The apiserver validated it against the CRD already, so a failure here means the CRD and the schema
 * disagree (an old CRD after an upgrade): it is reported on the object, not thrown.
 */
function parseWith<S extends z.ZodType>(schema: S, kind: string, object: KubeJson): Parsed<z.output<S>> {
  let parsedByObject = parsedByKind.get(kind);
  if (parsedByObject === undefined) parsedByKind.set(kind, (parsedByObject = new WeakMap()));
  const known = parsedByObject.get(object);
  if (known !== undefined) return known as Parsed<z.output<S>>;
  const parsed = parseUncached(schema, kind, object);
  parsedByObject.set(object, parsed);
  return parsed;
}

function parseUncached<S extends z.ZodType>(schema: S, kind: string, object: KubeJson): Parsed<z.output<S>> {
  // List items of a custom resource carry apiVersion and kind, but the schema must not depend on it.
  const result = schema.safeParse({ ...object, apiVersion, kind });
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return { ok: false, message: `${kind} does not match the operator's schema: ${issues.join('; ')}` };
}

export const parseGateway = (object: KubeJson): Parsed<LLMGateway> =>
  parseWith(llmGatewaySchema, 'LLMGateway', object);
export const parseModel = (object: KubeJson): Parsed<ModelDeployment> =>
  parseWith(modelDeploymentSchema, 'ModelDeployment', object);
export const parseVirtualKey = (object: KubeJson): Parsed<VirtualKey> =>
  parseWith(virtualKeySchema, 'VirtualKey', object);

/** The parsed values of those that parse; the others are reported by their own controller. */
export function parsedOnly<T>(objects: readonly KubeJson[], parse: (object: KubeJson) => Parsed<T>): T[] {
  return objects.flatMap((object) => {
    const parsed = parse(object);
    return parsed.ok ? [parsed.value] : [];
  });
}
