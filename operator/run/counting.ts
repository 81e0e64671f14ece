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
