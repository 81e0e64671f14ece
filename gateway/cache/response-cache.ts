import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Meter } from '../spend/accounting.ts';
import { rawJsonResult } from '../providers/json-result.ts';
import type { Operation, RequestBody } from '../providers/types.ts';
import type { RouteResult, Router } from '../router/router.ts';
import { cacheControlOf, type CacheControl } from './cache-control.ts';
import { cacheKeyOf } from './cache-key.ts';
import type { CacheSettings } from './cache-settings.ts';
import type { CachedAnswer, CacheStore } from './cache-store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The response cache; undefined unless `litellm_settings.cache: true`. */
    responseCache: ResponseCache | undefined;
  }
  interface FastifyRequest {
    /** Answered from the response cache: it cost nothing (the spend log should say so). */
    cacheHit: boolean;
  }
}

/** Tells the client how the cache treated the request: `HIT`, `MISS` (stored for next time) or `BYPASS`. */
export const cacheHeader = 'x-switchyard-cache';

/** The stored frames as a fresh stream for each hit. */
function replayOf(frames: readonly string[]): AsyncIterable<string> {
  return {
    [Symbol.asyncIterator]() {
      let next = 0;
      return {
        next: () =>
          Promise.resolve(
            next < frames.length
              ? { value: frames[next++] ?? '', done: false }
              : { value: undefined, done: true as const },
          ),
      };
    },
  };
}

const zeroUsage = { usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } };
const decoder = new TextDecoder();

/** The exact-match response cache, in front of the router. */
export class ResponseCache {
  readonly store: CacheStore;
  readonly settings: CacheSettings;

  constructor(store: CacheStore, settings: CacheSettings) {
    this.store = store;
    this.settings = settings;
  }

  /** Undefined when the request is not cacheable (operation not cached). */
  lookup(
    request: FastifyRequest,
    reply: FastifyReply,
    operation: Operation,
    modelGroup: string,
    body: RequestBody,
  ): CacheLookup | undefined {
    if (!this.settings.operations.has(operation)) return undefined;
    const control = cacheControlOf(body, request.headers);
    if (control.noCache && control.noStore) {
      reply.header(cacheHeader, 'BYPASS');
      return undefined;
    }
    const key = cacheKeyOf(this.settings.namespace, operation, modelGroup, body);
    return new CacheLookup(this, key, control, request, reply);
  }
}

/** One request's use of the cache: read before routing, store what the router answered. */
export class CacheLookup {
  readonly #cache: ResponseCache;
  readonly #key: string;
  readonly #control: CacheControl;
  readonly #request: FastifyRequest;
  readonly #reply: FastifyReply;

  constructor(
    cache: ResponseCache,
    key: string,
    control: CacheControl,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    this.#cache = cache;
    this.#key = key;
    this.#control = control;
    this.#request = request;
    this.#reply = reply;
  }

  async read(): Promise<CachedAnswer | undefined> {
    const { store } = this.#cache;
    if (this.#control.noCache || !store.available) {
      this.#reply.header(cacheHeader, 'BYPASS');
      return undefined;
    }
    const answer = await store.get(this.#key);
    const maxAge = this.#control.maxAgeSeconds;
    if (answer === undefined || (maxAge !== undefined && Date.now() - answer.storedAt > maxAge * 1000)) {
      this.#reply.header(cacheHeader, 'MISS');
      this.#request.server.metrics.components.cacheLookup(false);
      return undefined;
    }
    this.#reply.header(cacheHeader, 'HIT');
    this.#request.server.metrics.components.cacheLookup(true);
    return answer;
  }

  /** Serves a hit: settles the meter at zero cost (key checks already ran) and replays the answer. */
  replay(answer: CachedAnswer, meter: Meter, router: Router, modelGroup: string): RouteResult {
    const deployments = router.deploymentsOf(modelGroup);
    const deployment = deployments.find((each) => each.id === answer.deployment) ?? deployments[0];
    if (deployment === undefined) throw new Error(`model group ${modelGroup} has no deployment`);
    this.#request.cacheHit = true;
    this.#request.routed = {
      model: modelGroup,
      deployment: deployment.id,
      attempts: 0,
      group: deployment.modelName,
      upstreamMs: 0,
      promptTokens: 0,
      completionTokens: 0,
    };
    meter.succeeded({ result: { kind: 'json', body: zeroUsage }, deployment, attempts: 0 });
    if (answer.kind === 'json') return { result: rawJsonResult(answer.raw), deployment, attempts: 0 };
    return {
      result: { kind: 'stream', frames: replayOf(answer.frames) },
      deployment,
      attempts: 0,
    };
  }

  /** Stores the answer unless told not to: a JSON body at once, a stream once it ended whole. */
  store(routed: RouteResult): RouteResult {
    if (this.#control.noStore) return routed;
    const { store, settings } = this.#cache;
    const ttlMs = (this.#control.ttlSeconds ?? settings.ttlMs / 1000) * 1000;
    if (ttlMs <= 0) return routed;
    const { result, deployment } = routed;
    if (result.kind === 'json') {
      const raw = result.raw ?? JSON.stringify(result.body);
      if (raw.length <= settings.maxBytes)
        store.set(this.#key, { kind: 'json', raw, deployment: deployment.id, storedAt: Date.now() }, ttlMs);
      return routed;
    }
    const source = result.frames;
    const key = this.#key;
    return {
      ...routed,
      result: {
        kind: 'stream',
        frames: (async function* () {
          const frames: string[] = [];
          let bytes = 0;
          for await (const frame of source) {
            yield frame;
            if (bytes > settings.maxBytes) continue;
            const text = typeof frame === 'string' ? frame : decoder.decode(frame);
            bytes += text.length;
            frames.push(text);
          }
          // Only a whole stream is kept (an error or a client gone away ends the loop early).
          if (bytes <= settings.maxBytes)
            store.set(
              key,
              { kind: 'stream', frames, deployment: deployment.id, storedAt: Date.now() },
              ttlMs,
            );
        })(),
      },
    };
  }
}
