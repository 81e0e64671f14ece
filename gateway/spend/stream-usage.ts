import { estimateTokens, usageOfBody, type Usage } from './usage.ts';

/** Text of `"content":"..."` (chat deltas) and `"text":"..."` (legacy completions) in a frame. */
const textField = /"(?:content|text)":"((?:[^"\\]|\\.)*)"/g;
const usageObject = /"usage":\s*\{/;
const eventEnd = /\r?\n\r?\n/;

/**
 * Reads usage from an OpenAI SSE stream as it passes: the usage chunk when the upstream sends one (the gateway
 * asks for it), else an estimate from the streamed text. Network chunks do not follow event boundaries (one
 * read can hold every event of a short answer, or half of one), so events are cut out of the text as they
 * complete. When the gateway asked for usage on the client's behalf, the usage-only event is taken out and the
 * rest passed on: the client gets the stream it asked for. Otherwise chunks pass on untouched.
 */
export class StreamUsageTap {
  #usage: Usage | undefined;
  #characters = 0;
  #pending = '';
  readonly #decoder = new TextDecoder();
  readonly #hideUsageChunk: boolean;

  constructor(hideUsageChunk: boolean) {
    this.#hideUsageChunk = hideUsageChunk;
  }

  /** Looks at one network chunk; returns what the client gets now (undefined: nothing yet). */
  pass(chunk: Uint8Array | string): Uint8Array | string | undefined {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    const events = (this.#pending + text).split(eventEnd);
    // The last piece is an event still arriving (empty when the chunk ended on a boundary).
    this.#pending = events.pop() ?? '';
    if (!this.#hideUsageChunk) {
      for (const event of events) this.#read(event);
      return chunk;
    }
    let kept = '';
    for (const event of events) if (this.#read(event)) kept += `${event}\n\n`;
    return kept === '' ? undefined : kept;
  }

  /** At the end of the stream: what did not end with a blank line (untouched chunks already carried it). */
  end(): string | undefined {
    const rest = this.#pending;
    this.#pending = '';
    if (rest === '') return undefined;
    const keep = this.#read(rest);
    return this.#hideUsageChunk && keep ? rest : undefined;
  }

  /** Takes usage or text from one event; false when it is the usage-only event the client did not ask for. */
  #read(event: string): boolean {
    // OpenAI sends `"usage": null` on every chunk once usage is asked for: only an object is worth parsing.
    if (!usageObject.test(event)) {
      for (const match of event.matchAll(textField)) this.#characters += match[1]?.length ?? 0;
      return true;
    }
    for (const line of event.split('\n')) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line.slice(6));
      } catch {
        continue;
      }
      const usage = usageOfBody(parsed);
      if (usage === undefined) continue;
      this.#usage = usage;
      const choices = (parsed as { choices?: unknown }).choices;
      if (Array.isArray(choices) && choices.length === 0) return false;
    }
    return true;
  }

  usage(estimatedPromptTokens: number): Usage {
    return (
      this.#usage ?? {
        promptTokens: estimatedPromptTokens,
        completionTokens: estimateTokens(this.#characters),
        counted: true,
      }
    );
  }
}
