/** What the fake upstream answers: one OpenAI chat completion, and the same reply as an OpenAI stream. */

export const model = 'gpt-4o-mini';

export const cannedCompletion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model,
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello! How can I help you today?' },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
});

const tokens = ['Hello', '!', ' How', ' can', ' I', ' help', ' you', ' today', '?'];

/**
 * OpenAI's framing for a request with `stream_options.include_usage`: a role chunk, one chunk per token, a
 * finish chunk, then a chunk with `choices: []` and the usage (earlier chunks carry `usage: null`), then
 * `[DONE]`. Every frame is `data: <json>\n\n`.
 */
export const cannedStreamFrames: readonly string[] = (() => {
  const base = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    system_fingerprint: 'fp_bench',
  };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    usage: null,
  });
  const frames: unknown[] = [
    chunk({ role: 'assistant', content: '', refusal: null }, null),
    ...tokens.map((token) => chunk({ content: token }, null)),
    chunk({}, 'stop'),
    { ...base, choices: [], usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 } },
  ];
  return [...frames.map((frame) => `data: ${JSON.stringify(frame)}\n\n`), 'data: [DONE]\n\n'];
})();

export const cannedStream = cannedStreamFrames.join('');

const messages = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Say hello in one short sentence.' },
];

export const chatBody = JSON.stringify({ model, messages, max_tokens: 32 });

/** `modelName` picks the upstream location behind a gateway (see `upstreamPaths`). */
export const streamBody = (modelName: string) =>
  JSON.stringify({
    model: modelName,
    messages,
    max_tokens: 32,
    stream: true,
    stream_options: { include_usage: true },
  });

/**
 * nginx cannot look into a body, so each kind of answer has its own path prefix, and gateways reach them as
 * three models with three `api_base`s.
 */
export const upstreamPaths = {
  /** JSON chat completion. */
  json: { prefix: '', model },
  /** The stream, sent at once: time to first token measures the gateway, not the upstream. */
  stream: { prefix: '/sse', model: 'gpt-4o-mini-sse' },
  /** The stream, first frame at once and the rest dripped over about two seconds, so streams stay open. */
  held: { prefix: '/held', model: 'gpt-4o-mini-held' },
} as const;

export type UpstreamPath = keyof typeof upstreamPaths;
