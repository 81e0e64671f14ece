import type { EventSink } from '../kube/events.ts';
import type { LeaseStore } from '../kube/lease-store.ts';

/** The event sink, counting each write (events are API writes too: steady state must make none). */
export function countingEventSink(sink: EventSink, onWrite: (verb: 'create' | 'patch') => void): EventSink {
  return {
    async create(namespace, event) {
      onWrite('create');
      await sink.create(namespace, event);
    },
    async updateSeries(namespace, name, series) {
      onWrite('patch');
      await sink.updateSeries(namespace, name, series);
    },
  };
}

/** The Lease store, counting writes: a leader renews every retry period, which is not reconcile traffic. */
export function countingLeaseStore(store: LeaseStore, onWrite: () => void): LeaseStore {
  return {
    get: () => store.get(),
    create(record) {
      onWrite();
      return store.create(record);
    },
    update(record, resourceVersion) {
      onWrite();
      return store.update(record, resourceVersion);
    },
  };
}

/**
 * Works around EventRecorder naming events `<object>.<time in hex ns>` from a millisecond clock: two
 * events about one object in the same millisecond get the same name and the second fails with 409.
 * A repeated name gets a suffix; series updates follow the rename.
 */
export function uniqueEventNames(sink: EventSink, remember = 4_096): EventSink {
  const renamed = new Map<string, string>();
  const used = new Set<string>();
  let counter = 0;
  const track = (name: string): void => {
    used.add(name);
    if (used.size > remember) {
      const oldest = used.values().next().value;
      if (oldest !== undefined) {
        used.delete(oldest);
        renamed.delete(oldest);
      }
    }
  };
  return {
    async create(namespace, event) {
      const original = event.metadata.name;
      let name = original;
      if (used.has(`${namespace}/${name}`)) {
        counter += 1;
        name = `${original}${counter.toString(16)}`;
        renamed.set(`${namespace}/${original}`, name);
      }
      track(`${namespace}/${name}`);
      await sink.create(namespace, { ...event, metadata: { ...event.metadata, name } });
    },
    async updateSeries(namespace, name, series) {
      await sink.updateSeries(namespace, renamed.get(`${namespace}/${name}`) ?? name, series);
    },
  };
}
