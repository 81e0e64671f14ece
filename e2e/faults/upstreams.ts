import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { openAIProtocol, sendOpenAIError } from '../fake-upstream/openai.ts';
import {
  sleep,
  startFakeUpstream,
  type ExchangeContext,
  type FakeUpstream,
  type Protocol,
  type RecordedRequest,
} from '../fake-upstream/server.ts';

/**
 * Fake OpenAI upstreams with one behaviour each, built on the fake's own Protocol interface (so the wire format
 * stays the fake's): healthy, strict, failing every call, never answering, or with latency spikes.
 */

const openai = openAIProtocol();

/** OpenAI's routes and error bodies, with `answer` deciding what a call gets. */
function openAIWith(
  answer: (context: ExchangeContext, normal: () => Promise<void>) => Promise<void>,
): Protocol {
  return {
    matches: (method, path) => openai.matches(method, path),
    sendError: sendOpenAIError,
    answer: (context) => answer(context, () => openai.answer(context)),
  };
}

export function healthyUpstream(): Promise<FakeUpstream> {
  return startFakeUpstream([openAIProtocol()]);
}

/**
 * Normal answers to whatever the fake understands, and the 400 a real provider would send for what it does not
 * (the fake assumes well-formed requests; a fuzzed one that reaches it must not hang the call).
 */
export function strictUpstream(): Promise<FakeUpstream> {
  return startFakeUpstream([
    openAIWith(async (context, normal) => {
      try {
        await normal();
      } catch (error) {
        badRequest(context.response, error);
      }
    }),
  ]);
}

function badRequest(response: ServerResponse, error: unknown): void {
  if (response.headersSent) response.destroy();
  else sendOpenAIError(response, 400, `invalid request: ${(error as Error).message}`);
}

/** Every call answered with an OpenAI-shaped 5xx. */
export function failingUpstream(status = 500): Promise<FakeUpstream> {
  return startFakeUpstream([
    openAIWith((context) => {
      sendOpenAIError(context.response, status, 'the server had an error while processing your request');
      return Promise.resolve();
    }),
  ]);
}

/** Every call accepted and never answered: only the gateway's deadline ends it. */
export function hangingUpstream(): Promise<FakeUpstream> {
  return startFakeUpstream([
    openAIWith(async (context) => {
      if (!context.response.destroyed) await once(context.response, 'close');
    }),
  ]);
}

/** Normal answers, except during spikes. */
export interface SpikyUpstream extends FakeUpstream {
  /** The calls that arrived during a spike. */
  spiked(): readonly RecordedRequest[];
}

/**
 * For `spikeMs` out of every `periodMs` (the first spike `periodMs - spikeMs` after start) each call waits
 * `delayMs` before its normal answer.
 */
export async function spikyUpstream(options: {
  periodMs: number;
  spikeMs: number;
  delayMs: number;
}): Promise<SpikyUpstream> {
  const startedAt = performance.now();
  const spiked: RecordedRequest[] = [];
  const inSpike = () =>
    (performance.now() - startedAt) % options.periodMs >= options.periodMs - options.spikeMs;
  const upstream = await startFakeUpstream([
    openAIWith(async (context, normal) => {
      if (inSpike()) {
        spiked.push(context.request);
        await sleep(options.delayMs);
        if (context.response.destroyed) return;
      }
      await normal();
    }),
  ]);
  return Object.assign(upstream, { spiked: () => spiked });
}
