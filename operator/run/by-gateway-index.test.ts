import { describe, expect, it } from 'vitest';
import type { CustomResourceJson } from '../controllers/kube-json.ts';
import type { InformerEventType } from '../kube/supervised-informer.ts';
import { ByGatewayIndex } from './by-gateway-index.ts';
import type { IndexedInformer } from './by-gateway-index.ts';

/** A cache that delivers its changes as a SupervisedInformer does: the cache first, then the handlers. */
class EventSource implements IndexedInformer {
  private readonly objects = new Map<string, CustomResourceJson>();
  private readonly handlers: ((type: InformerEventType, object: CustomResourceJson) => void)[] = [];

  addHandler(handler: (type: InformerEventType, object: CustomResourceJson) => void): () => void {
    this.handlers.push(handler);
    return () => undefined;
  }
  get(name: string, namespace?: string): CustomResourceJson | undefined {
    return this.objects.get(`${namespace ?? ''}/${name}`);
  }
  list(): readonly CustomResourceJson[] {
    return [...this.objects.values()];
  }
  put(type: 'add' | 'update' | 'resync', object: CustomResourceJson): void {
    this.objects.set(`${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`, object);
    for (const handler of this.handlers) handler(type, object);
  }
  delete(object: CustomResourceJson): void {
    this.objects.delete(`${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`);
    for (const handler of this.handlers) handler('delete', object);
  }
}

const model = (namespace: string, name: string, gateway: unknown, generation = 1): CustomResourceJson => ({
  metadata: { namespace, name, generation },
  spec: { gatewayRef: { name: gateway }, modelName: name },
});
const names = (objects: readonly CustomResourceJson[]) => objects.map((o) => o.metadata?.name).sort();

describe('ByGatewayIndex', () => {
  it("files objects under their gatewayRef, per namespace, and gives the cache's current copy", () => {
    const source = new EventSource();
    source.put('add', model('a', 'early', 'main'));
    const index = new ByGatewayIndex(source);
    source.put('add', model('a', 'm1', 'main'));
    source.put('add', model('a', 'm2', 'other'));
    source.put('add', model('b', 'm1', 'main'));
    expect(names(index.of('a', 'main'))).toEqual(['early', 'm1']);
    expect(names(index.of('a', 'other'))).toEqual(['m2']);
    expect(names(index.of('b', 'main'))).toEqual(['m1']);
    expect(index.of('c', 'main')).toEqual([]);

    const rewritten = { ...model('a', 'm1', 'main'), status: { conditions: [] } };
    source.put('update', rewritten);
    expect(index.of('a', 'main').find((o) => o.metadata?.name === 'm1')).toBe(rewritten);
  });

  it('moves an object whose gatewayRef changed, and forgets a deleted one', () => {
    const source = new EventSource();
    const index = new ByGatewayIndex(source);
    source.put('add', model('a', 'm1', 'main'));
    source.put('add', model('a', 'm2', 'main'));
    source.put('update', model('a', 'm1', 'other', 2));
    expect(names(index.of('a', 'main'))).toEqual(['m2']);
    expect(names(index.of('a', 'other'))).toEqual(['m1']);
    source.delete(model('a', 'm2', 'main'));
    expect(index.of('a', 'main')).toEqual([]);
    // A spec the schema would refuse is still filed where its ref points (its controller reports it).
    source.put('add', model('a', 'bad', 42));
    expect(names(index.of('a', ''))).toEqual(['bad']);
  });
});
