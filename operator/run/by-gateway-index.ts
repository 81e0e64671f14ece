import type { CacheReader } from '../controllers/caches.ts';
import type { CustomResourceJson } from '../controllers/kube-json.ts';
import type { InformerEventType } from '../kube/supervised-informer.ts';

/** The informer side the index needs: its events, and its cache to read the objects from. */
export interface IndexedInformer extends CacheReader<CustomResourceJson> {
  addHandler(handler: (type: InformerEventType, object: CustomResourceJson) => void): () => void;
}

/**
 * The names of a kind's objects by the gateway their `spec.gatewayRef` names, kept from the informer's
 * events: a gateway's render and its models' statuses read its ten models, not every model of the
 * namespace (e2e/scale: 500 per namespace, walked at each of ~4000 reconciles). Names, not objects: the
 * objects are read from the cache, which stays the one place that holds them.
 */
export class ByGatewayIndex {
  private readonly informer: IndexedInformer;
  /** `namespace/gateway` → names. */
  private readonly members = new Map<string, Set<string>>();
  /** `namespace/name` → the `namespace/gateway` it is filed under. */
  private readonly filedUnder = new Map<string, string>();

  constructor(informer: IndexedInformer) {
    this.informer = informer;
    for (const object of informer.list()) this.file(object);
    informer.addHandler((type, object) => {
      if (type === 'delete') this.remove(object);
      else if (type !== 'resync') this.file(object);
    });
  }

  /** The objects in `namespace` whose gatewayRef names `gateway`, from the cache. */
  of(namespace: string, gateway: string): CustomResourceJson[] {
    const names = this.members.get(`${namespace}/${gateway}`);
    if (names === undefined) return [];
    return [...names].flatMap((name) => {
      const object = this.informer.get(name, namespace);
      return object === undefined ? [] : [object];
    });
  }

  private file(object: CustomResourceJson): void {
    const { namespace = '', name = '' } = object.metadata ?? {};
    const group = `${namespace}/${gatewayRefName(object)}`;
    const key = `${namespace}/${name}`;
    const previous = this.filedUnder.get(key);
    if (previous === group) return;
    if (previous !== undefined) this.unfile(previous, name);
    this.filedUnder.set(key, group);
    let names = this.members.get(group);
    if (names === undefined) this.members.set(group, (names = new Set()));
    names.add(name);
  }

  private remove(object: CustomResourceJson): void {
    const { namespace = '', name = '' } = object.metadata ?? {};
    const key = `${namespace}/${name}`;
    const previous = this.filedUnder.get(key);
    if (previous === undefined) return;
    this.filedUnder.delete(key);
    this.unfile(previous, name);
  }

  private unfile(group: string, name: string): void {
    const names = this.members.get(group);
    names?.delete(name);
    if (names?.size === 0) this.members.delete(group);
  }
}

/** Read from the JSON, before any parse: an object the schema refuses is filed where its ref points too. */
function gatewayRefName(object: CustomResourceJson): string {
  const ref = (object.spec as { gatewayRef?: { name?: unknown } } | undefined)?.gatewayRef?.name;
  return typeof ref === 'string' ? ref : '';
}
