import { systemClock } from './clock.ts';
import type { Clock } from './clock.ts';
import type { KubeConnection } from './kube-connection.ts';
import { kubeRequest } from './kube-request.ts';
import { microTime } from './lease-decision.ts';
import { builtInResources, collectionPath, objectPath } from './resource-type.ts';

/** The object an event is about, as read from the cache. */
export interface EventSubject {
  readonly apiVersion?: string | undefined;
  readonly kind?: string | undefined;
  readonly metadata?:
    | {
        readonly name?: string | undefined;
        readonly namespace?: string | undefined;
        readonly uid?: string | undefined;
        readonly resourceVersion?: string | undefined;
      }
    | undefined;
}

export interface EventInput {
  readonly regarding: EventSubject;
  readonly type: 'Normal' | 'Warning';
  /** CamelCase, why: e.g. `MigrationFailed`. */
  readonly reason: string;
  /** CamelCase, what the operator did or failed to do: e.g. `Migrate`. */
  readonly action: string;
  /** For humans. Never a secret value: it is stored in the cluster for anyone who can read events. */
  readonly note: string;
}

/** An events.k8s.io/v1 Event as sent (MicroTime as a string with six fractional digits). */
export interface EventBody {
  readonly apiVersion: 'events.k8s.io/v1';
  readonly kind: 'Event';
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly eventTime: string;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly action: string;
  readonly note: string;
  readonly reportingController: string;
  readonly reportingInstance: string;
  readonly regarding: {
    readonly apiVersion?: string;
    readonly kind?: string;
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
  };
}

/** Where events go (the apiserver, or a test's list). */
export interface EventSink {
  create(namespace: string, event: EventBody): Promise<void>;
  updateSeries(
    namespace: string,
    name: string,
    series: { count: number; lastObservedTime: string },
  ): Promise<void>;
}

export interface EventRecorderOptions {
  readonly sink: EventSink;
  /** This replica: the pod name. */
  readonly reportingInstance: string;
  readonly reportingController?: string;
  readonly clock?: Clock;
  /** Repeats closer than this to the previous one belong to the same event. Default 10 min. */
  readonly dedupeWindowMs?: number;
  /** A series is written back at most this often (repeats in between are only counted). Default 30 min. */
  readonly seriesUpdateMs?: number;
  /** Bound on the events remembered for de-duplication. Default 4096. */
  readonly maxTracked?: number;
  readonly onError?: (error: unknown) => void;
}

interface Tracked {
  readonly namespace: string;
  readonly name: string;
  count: number;
  writtenCount: number;
  lastObserved: number;
  lastWritten: number;
}

const MAX_NOTE = 1_024;
const SECRET_LIKE = [/\bsk-[A-Za-z0-9_-]{6,}/g, /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi];

/**
 * Records events.k8s.io/v1 events, which `kubectl describe` shows. A repeat of the same event
 * (object, type, reason, action, note) within the window does not make a new event: it is counted
 * and written back as the event's series at most every `seriesUpdateMs`, so a reconcile loop that
 * keeps failing the same way costs no API writes per pass. Controllers should still emit on
 * transitions; this is the safety net.
 */
export class EventRecorder {
  private readonly options: EventRecorderOptions;
  private readonly clock: Clock;
  private readonly controller: string;
  private readonly dedupeWindowMs: number;
  private readonly seriesUpdateMs: number;
  private readonly maxTracked: number;
  // Map order is insertion order; re-inserting on use makes it an LRU.
  private readonly tracked = new Map<string, Tracked>();
  private sequence = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(options: EventRecorderOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.controller = options.reportingController ?? 'switchyard.dev/operator';
    this.dedupeWindowMs = options.dedupeWindowMs ?? 10 * 60_000;
    this.seriesUpdateMs = options.seriesUpdateMs ?? 30 * 60_000;
    this.maxTracked = options.maxTracked ?? 4_096;
  }

  /** Records in the background; a failure goes to onError (events are best effort). */
  record(input: EventInput): void {
    const write = this.write(input).catch((error: unknown) => this.options.onError?.(error));
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** Resolves once the writes started so far are done (for shutdown and tests). */
  async flush(): Promise<void> {
    await Promise.all(this.pending);
  }

  private async write(input: EventInput): Promise<void> {
    const now = this.clock.now();
    const note = redactNote(input.note);
    const { regarding } = input;
    const name = regarding.metadata?.name ?? '';
    const namespace = regarding.metadata?.namespace ?? 'default';
    const subject = regarding.metadata?.uid ?? `${regarding.kind ?? ''}/${namespace}/${name}`;
    const key = JSON.stringify([subject, input.type, input.reason, input.action, note]);
    const seen = this.tracked.get(key);
    if (seen && now - seen.lastObserved < this.dedupeWindowMs) {
      seen.count += 1;
      seen.lastObserved = now;
      this.touch(key, seen);
      if (now - seen.lastWritten < this.seriesUpdateMs) return;
      seen.lastWritten = now;
      seen.writtenCount = seen.count;
      await this.options.sink.updateSeries(seen.namespace, seen.name, {
        count: seen.count,
        lastObservedTime: microTime(now),
      });
      return;
    }
    // client-go's naming: the object's name and the time in hex nanoseconds. The clock has milliseconds only,
    // so a per-recorder sequence fills the sub-millisecond digits: two events in one millisecond differ.
    this.sequence = (this.sequence + 1) % 1_000_000;
    const eventName = `${name}.${(BigInt(now) * 1_000_000n + BigInt(this.sequence)).toString(16)}`;
    this.touch(key, {
      namespace,
      name: eventName,
      count: 1,
      writtenCount: 1,
      lastObserved: now,
      lastWritten: now,
    });
    await this.options.sink.create(namespace, {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: eventName, namespace },
      eventTime: microTime(now),
      type: input.type,
      reason: input.reason,
      action: input.action,
      note,
      reportingController: this.controller,
      reportingInstance: this.options.reportingInstance,
      regarding: {
        ...(regarding.apiVersion !== undefined ? { apiVersion: regarding.apiVersion } : {}),
        ...(regarding.kind !== undefined ? { kind: regarding.kind } : {}),
        name,
        ...(regarding.metadata?.namespace !== undefined ? { namespace: regarding.metadata.namespace } : {}),
        ...(regarding.metadata?.uid !== undefined ? { uid: regarding.metadata.uid } : {}),
        ...(regarding.metadata?.resourceVersion !== undefined
          ? { resourceVersion: regarding.metadata.resourceVersion }
          : {}),
      },
    });
  }

  private touch(key: string, entry: Tracked): void {
    this.tracked.delete(key);
    this.tracked.set(key, entry);
    if (this.tracked.size > this.maxTracked) {
      const oldest = this.tracked.keys().next().value;
      if (oldest !== undefined) this.tracked.delete(oldest);
    }
  }
}

/** Defence in depth: masks anything shaped like an API key or credential, and bounds the length. */
export function redactNote(note: string): string {
  let text = note;
  for (const pattern of SECRET_LIKE) text = text.replace(pattern, '[redacted]');
  return text.length > MAX_NOTE ? `${text.slice(0, MAX_NOTE - 1)}…` : text;
}

/** Events written to the apiserver. */
export function kubeEventSink(kubeConfig: KubeConnection): EventSink {
  const events = builtInResources.event;
  return {
    async create(namespace, body) {
      await kubeRequest(kubeConfig, { method: 'POST', path: collectionPath(events, namespace), body });
    },
    async updateSeries(namespace, name, series) {
      await kubeRequest(kubeConfig, {
        method: 'PATCH',
        path: objectPath(events, name, namespace),
        body: { series },
        contentType: 'application/merge-patch+json',
      });
    },
  };
}
