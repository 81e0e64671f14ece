import type { Logger } from 'pino';
import type { Applier } from '../kube/apply.ts';
import type { EventInput } from '../kube/events.ts';
import type { ResourceType } from '../kube/resource-type.ts';
import type { ClusterCapabilities } from '../render/capabilities.ts';
import type { Caches } from './caches.ts';
import type { KubeJson } from './kube-json.ts';

/** What every reconcile is given: caches to read, the applier to write, and the few live reads allowed. */
export interface ControllerContext {
  readonly caches: Caches;
  readonly applier: Applier;
  readonly recordEvent: (event: EventInput) => void;
  readonly capabilities: () => ClusterCapabilities;
  readonly defaultImage: string;
  readonly now: () => number;
  readonly enqueue: (key: string) => void;
  /**
   * A read from the apiserver, not the cache (undefined on 404): for the rare decision that must not rest
   * on a cache that may lag our own last write (making a key), and for kinds not cached (ServiceMonitor).
   */
  readonly readLive: (
    resource: ResourceType,
    name: string,
    namespace: string,
  ) => Promise<KubeJson | undefined>;
  readonly log: Logger;
}
