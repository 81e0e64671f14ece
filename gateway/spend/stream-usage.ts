import { estimateTokens, usageOfBody, type Usage } from './usage.ts';

/** Text of `"content":"..."` (chat deltas) and `"text":"..."` (legacy completions) in a frame. */
const textField = /"(?:content|text)":"((?:[^"\\]|\\.)*)"/g;
const usageObject = /"usage":\s*\{/;

/**
 * Reads usage from an OpenAI SSE stream as it passes: the usage chunk when the upstream sends one (the gateway
 * asks for it), else an estimate from the streamed text. Only frames that mention usage are parsed, so the tap
 * costs little per chunk. When the gateway asked for usage on the client's behalf, the usage-only chunk is not
 * passed on: the client gets the stream it asked for.
 */
export class StreamUsageTap {
  #usage: Usage | undefined;
  #characters = 0;
  readonly #decoder = new TextDecoder();
  readonly #hideUsageChunk: boolean;

  constructor(hideUsageChunk: boolean) {
    this.#hideUsageChunk = hideUsageChunk;
  }

  /** Looks at one frame; returns false when the frame must not reach the client. */
  see(frame: Uint8Array | string): boolean {
    const text = typeof frame === 'string' ? frame : this.#decoder.decode(frame, { stream: true });
    // OpenAI sends `"usage": null` on every chunk once usage is asked for: only an object is worth parsing.
    if (usageObject.test(text)) {
      for (const line of text.split('\n')) {
        if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
        let chunk: unknown;
        try {
          chunk = JSON.parse(line.slice(6));
        } catch {
          continue;
        }
        const usage = usageOfBody(chunk);
        if (usage === undefined) continue;
        this.#usage = usage;
        const choices = (chunk as { choices?: unknown }).choices;
        if (this.#hideUsageChunk && Array.isArray(choices) && choices.length === 0) return false;
      }
      return true;
    }
    for (const match of text.matchAll(textField)) this.#characters += match[1]?.length ?? 0;
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
