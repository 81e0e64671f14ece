// "Converged", as the e2e suites judge it (fixtures.ts waitForCondition: Ready=True for the current
// generation), for the whole fleet at once, from the bench's watches.
import { condition } from '../operator/fixtures.ts';
import type { ResourceJson } from '../operator/fixtures.ts';
import type { FleetWatch } from './fleet-watch.ts';
import type { Fleet } from './workload.ts';

export interface Progress {
  readonly gatewaysReady: number;
  readonly modelsReady: number;
  readonly keysReady: number;
  /** Keys in the gateways' key files, counting only files that hold all of their gateway's keys. */
  readonly keysInKeyFiles: number;
  /** Gateway pods Running and Ready. */
  readonly podsRunning: number;
  readonly done: boolean;
}

/** Ready=True for the object's current generation (what waitForCondition waits for). */
export function isReady(object: ResourceJson, reason?: string): boolean {
  const ready = condition(object, 'Ready');
  return (
    ready?.status === 'True' &&
    ready.observedGeneration === object.metadata.generation &&
    (reason === undefined || ready.reason === reason)
  );
}

export function checkProgress(
  watch: FleetWatch,
  fleet: Fleet,
  modelsPerGateway: number,
  keysPerGateway: number,
): Progress {
  const gatewaysReady = watch.gateways
    .list()
    .filter((gw) => isReady(gw, 'Available') && gw.status?.modelCount === modelsPerGateway).length;
  const modelsReady = watch.models.list().filter((model) => isReady(model)).length;
  const keysReady = watch.virtualKeys.list().filter((key) => isReady(key)).length;
  const keysInKeyFiles = watch.secrets
    .list()
    .filter((secret) => secret.metadata.name.endsWith('-keys'))
    .map((secret) => {
      const text = Buffer.from(secret.data?.['keys.json'] ?? '', 'base64').toString('utf8');
      return text === '' ? 0 : (JSON.parse(text) as { keys: unknown[] }).keys.length;
    })
    .filter((count) => count === keysPerGateway)
    .reduce((sum, count) => sum + count, 0);
  const podsRunning = watch.pods
    .list()
    .filter(
      (pod) =>
        pod.metadata?.labels?.['app.kubernetes.io/component'] === 'gateway' &&
        pod.metadata.deletionTimestamp === undefined &&
        pod.status?.phase === 'Running' &&
        pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
    ).length;
  const done =
    gatewaysReady === fleet.gateways.length &&
    modelsReady === fleet.models.length &&
    keysReady === fleet.virtualKeys.length &&
    keysInKeyFiles === fleet.virtualKeys.length &&
    podsRunning === fleet.expectedPods;
  return { gatewaysReady, modelsReady, keysReady, keysInKeyFiles, podsRunning, done };
}

export function describeProgress(progress: Progress, fleet: Fleet): string {
  return [
    `gateways ${progress.gatewaysReady}/${fleet.gateways.length}`,
    `models ${progress.modelsReady}/${fleet.models.length}`,
    `keys ${progress.keysReady}/${fleet.virtualKeys.length}`,
    `in key files ${progress.keysInKeyFiles}/${fleet.virtualKeys.length}`,
    `pods ${progress.podsRunning}/${fleet.expectedPods}`,
  ].join(', ');
}
