// The bench's view of the fleet: watches (the operator's own supervised informers), not polled lists, so
// that judging "Ready" costs the apiserver one event per change instead of megabytes of lists a second
// (polling 2000 models and 2000 keys every second slowed the convergence it measured).
import { KubeConfig } from '@kubernetes/client-node';
import { customResources } from '../../operator/controllers/resources.ts';
import { builtInResources } from '../../operator/kube/resource-type.ts';
import type { ResourceType } from '../../operator/kube/resource-type.ts';
import { reuseConnections } from '../../operator/kube/reuse-connections.ts';
import { SupervisedInformer } from '../../operator/kube/supervised-informer.ts';
import type { CachedObject } from '../../operator/kube/supervised-informer.ts';
import type { ResourceJson } from '../operator/fixtures.ts';

const managed = 'app.kubernetes.io/managed-by=switchyard-operator';

export interface PodJson extends CachedObject {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly deletionTimestamp?: string;
  };
  readonly spec?: { readonly containers?: readonly { readonly name: string; readonly image: string }[] };
  readonly status?: {
    readonly phase?: string;
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
  };
}

type Resource = ResourceJson & CachedObject;

export class FleetWatch {
  readonly gateways: SupervisedInformer<Resource>;
  readonly models: SupervisedInformer<Resource>;
  readonly virtualKeys: SupervisedInformer<Resource>;
  /** The operator's gateway-component Secrets (credentials and keys files). */
  readonly secrets: SupervisedInformer<Resource>;
  /** Gateway and migration pods. */
  readonly pods: SupervisedInformer<PodJson>;
  private readonly all: SupervisedInformer<CachedObject>[];

  constructor(kubeconfigPath: string) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    reuseConnections(kubeConfig);
    const make = <T extends CachedObject>(resource: ResourceType, labelSelector?: string) =>
      new SupervisedInformer<T>({
        kubeConfig,
        resource,
        resyncMs: 0,
        ...(labelSelector !== undefined ? { labelSelector } : {}),
      });
    this.gateways = make(customResources.gateway);
    this.models = make(customResources.model);
    this.virtualKeys = make(customResources.virtualKey);
    this.secrets = make(builtInResources.secret, `app.kubernetes.io/component=gateway,${managed}`);
    this.pods = make(builtInResources.pod, `app.kubernetes.io/name=switchyard-gateway,${managed}`);
    this.all = [
      this.gateways,
      this.models,
      this.virtualKeys,
      this.secrets,
      this.pods,
    ] as unknown as SupervisedInformer<CachedObject>[];
  }

  async start(): Promise<void> {
    await Promise.all(this.all.map((informer) => informer.start()));
    await Promise.all(this.all.map((informer) => informer.synced));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((informer) => informer.stop()));
  }
}
