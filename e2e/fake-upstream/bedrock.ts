import type { ServerResponse } from 'node:http';
import { converseEvent, converseException } from './aws-event-stream.ts';
import { checkSigV4 } from './aws-sigv4-check.ts';
import { sendJson, sleep, type ExchangeContext, type Protocol } from './server.ts';

/** Bedrock's exception name for each status it answers with (sent in `x-amzn-errortype`). */
const errorTypes: Readonly<Record<number, string>> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

/** Top-level fields of a Converse request; Bedrock refuses any other. */
const converseFields = new Set([
  'messages',
  'system',
  'inferenceConfig',
  'toolConfig',
  'guardrailConfig',
  'additionalModelRequestFields',
  'additionalModelResponseFieldPaths',
  'promptVariables',
  'requestMetadata',
  'performanceConfig',
]);

/** A streamed answer whose last user text contains this breaks off with a `throttlingException` event. */
export const throttleMidStream = 'throttle mid-stream';
/** A last user text containing this is stopped by a guardrail (`stopReason: guardrail_intervened`). */
export const guardrailTrigger = 'guardrail-trigger';

export interface AwsKey {
  readonly secretAccessKey: string;
  /** When set, requests signed with this key must carry it as `x-amz-security-token` (assumed-role keys). */
  readonly sessionToken?: string;
}

export interface BedrockProtocolOptions {
  readonly region: string;
  /** Access key id → its secret (and session token): requests must be SigV4-signed with one of them. */
  readonly keys: ReadonlyMap<string, AwsKey>;
}

const path = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/;

/**
 * Bedrock Runtime's wire format: `POST /model/{modelId}/converse` (JSON), `/converse-stream` (AWS event-stream
 * binary frames) and `/invoke` for Titan and Cohere embeddings. Every request must be SigV4-signed for
 * `bedrock` in the region, checked here. The answer is `echo: <last user text>`, or a `get_weather` tool use when
 * tools are offered and the text mentions the weather. Errors are `{"message"}` with `x-amzn-errortype`.
 */
export function bedrockProtocol(options: BedrockProtocolOptions): Protocol {
  let count = 0;
  return {
    matches: (method, candidate) => method === 'POST' && path.test(candidate),
    async answer(context) {
      const { request, response } = context;
      const match = path.exec(request.path.split('?')[0] ?? '');
      if (match === null) return;
      // The recorder parsed the body; the gateway sends JSON.stringify output, so serializing again gives its bytes.
      const raw = request.body === undefined ? '' : JSON.stringify(request.body);
      // Read at each request: an STS fake may have issued keys since.
      const secrets = new Map([...options.keys].map(([id, key]) => [id, key.secretAccessKey]));
      const refused = checkSigV4({ ...request, body: raw }, secrets, {
        region: options.region,
        service: 'bedrock',
      });
      if (refused !== undefined) {
        sendBedrockError(response, 403, refused.message, refused.type);
        return;
      }
      const keyId = /Credential=([^/]+)\//.exec(headerOf(request.headers.authorization))?.[1] ?? '';
      const session = options.keys.get(keyId)?.sessionToken;
      if (session !== undefined && headerOf(request.headers['x-amz-security-token']) !== session) {
        sendBedrockError(
          response,
          403,
          'The security token included in the request is invalid.',
          'UnrecognizedClientException',
        );
        return;
      }
      const model = decodeURIComponent(match[1] ?? '');
      count += 1;
      const requestId = `fake-req-${String(count).padStart(4, '0')}`;
      const body = asRecord(request.body) ?? {};
      if (match[2] === 'invoke') {
        invoke(response, model, body, requestId);
        return;
      }
      const invalid = validate(body);
      if (invalid !== undefined) {
        sendBedrockError(response, 400, invalid);
        return;
      }
      const reply = replyOf(body);
      if (match[2] === 'converse') {
        sendJson(
          response,
          200,
          {
            output: { message: { role: 'assistant', content: reply.content } },
            stopReason: reply.stopReason,
            usage: reply.usage,
            metrics: { latencyMs: 42 },
          },
          { 'x-amzn-requestid': requestId },
        );
        return;
      }
      await stream(context, reply, requestId, lastUserText(body).includes(throttleMidStream));
    },
    sendError: (response, status, message, code) => {
      sendBedrockError(response, status, message, code);
    },
  };
}

export function sendBedrockError(
  response: ServerResponse,
  status: number,
  message: string,
  type?: string,
): void {
  const name =
    type ?? errorTypes[status] ?? (status >= 500 ? 'InternalServerException' : 'ValidationException');
  sendJson(
    response,
    status,
    { message },
    { 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
  );
}

function validate(body: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(body))
    if (!converseFields.has(key))
      return `Malformed input request: extraneous key [${key}] is not permitted, please reformat your input and try again.`;
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  if (messages.length === 0)
    return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
  let usesTools = false;
  for (const [index, item] of messages.entries()) {
    const message = asRecord(item);
    const expected = index % 2 === 0 ? 'user' : 'assistant';
    if (message?.role !== expected)
      return 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.';
    const content = Array.isArray(message.content) ? (message.content as unknown[]) : [];
    if (content.length === 0)
      return `The content field in the Message object at messages.${index} is empty. Add a ContentBlock object to the content field and try again.`;
    for (const [at, block] of content.entries()) {
      const record = asRecord(block) ?? {};
      if (typeof record.text === 'string' && record.text.trim() === '')
        return `The text field in the ContentBlock object at messages.${index}.content.${at} is blank. Add text to the text field, and try again.`;
      if (record.toolUse !== undefined || record.toolResult !== undefined) usesTools = true;
    }
  }
  if (usesTools && body.toolConfig === undefined)
    return 'The toolConfig field must be defined when using toolUse and toolResult content blocks.';
  return undefined;
}

interface Reply {
  readonly content: Record<string, unknown>[];
  readonly stopReason: string;
  readonly usage: { inputTokens: number; outputTokens: number; totalTokens: number };
}

function replyOf(body: Record<string, unknown>): Reply {
  const inputTokens = Math.max(1, Math.ceil(JSON.stringify([body.system, body.messages]).length / 4));
  const usage = (output: number) => ({
    inputTokens,
    outputTokens: output,
    totalTokens: inputTokens + output,
  });
  const text = lastUserText(body);
  const tools = asArray(asRecord(body.toolConfig)?.tools);
  if (text.includes(guardrailTrigger))
    return {
      content: [{ text: 'Sorry, the model cannot answer this question.' }],
      stopReason: 'guardrail_intervened',
      usage: usage(8),
    };
  if (tools.length > 0 && /\bweather\b/i.test(text))
    return {
      content: [
        { text: 'Let me check.' },
        { toolUse: { toolUseId: 'tooluse_FakeWeather01', name: 'get_weather', input: { city: 'Paris' } } },
      ],
      stopReason: 'tool_use',
      usage: usage(12),
    };
  let words = `echo: ${text || lastToolResult(body)}`.split(' ');
  let stopReason = 'end_turn';
  const max = asRecord(body.inferenceConfig)?.maxTokens;
  if (typeof max === 'number' && words.length > max) {
    words = words.slice(0, max);
    stopReason = 'max_tokens';
  }
  return { content: [{ text: words.join(' ') }], stopReason, usage: usage(words.length) };
}

async function stream(
  context: ExchangeContext,
  reply: Reply,
  requestId: string,
  throttle: boolean,
): Promise<void> {
  const { response } = context;
  response.writeHead(200, {
    'content-type': 'application/vnd.amazon.eventstream',
    'x-amzn-requestid': requestId,
  });
  const frames: Buffer[] = [converseEvent('messageStart', { role: 'assistant' })];
  for (const [index, block] of reply.content.entries()) {
    const use = asRecord(block.toolUse);
    if (use !== undefined) {
      frames.push(
        converseEvent('contentBlockStart', {
          contentBlockIndex: index,
          start: { toolUse: { toolUseId: use.toolUseId, name: use.name } },
        }),
      );
      const json = JSON.stringify(use.input);
      const half = Math.ceil(json.length / 2);
      for (const piece of [json.slice(0, half), json.slice(half)])
        frames.push(
          converseEvent('contentBlockDelta', {
            contentBlockIndex: index,
            delta: { toolUse: { input: piece } },
          }),
        );
    } else {
      const words = String(block.text).split(' ');
      for (const [at, word] of words.entries()) {
        frames.push(
          converseEvent('contentBlockDelta', {
            contentBlockIndex: index,
            delta: { text: at === 0 ? word : ` ${word}` },
          }),
        );
        if (throttle) {
          frames.push(
            converseException('throttlingException', 'Too many tokens, please wait before trying again.'),
          );
          break;
        }
      }
      if (throttle) break;
    }
    frames.push(converseEvent('contentBlockStop', { contentBlockIndex: index }));
  }
  if (!throttle)
    frames.push(
      converseEvent('messageStop', { stopReason: reply.stopReason }),
      converseEvent('metadata', { usage: reply.usage, metrics: { latencyMs: 42 } }),
    );
  for (const frame of frames) {
    if (response.destroyed) return;
    // Frames are split across writes as the network would, so the decoder must reassemble them.
    const cut = Math.floor(frame.length / 3);
    response.write(frame.subarray(0, cut));
    response.write(frame.subarray(cut));
    if (context.chunkDelayMs > 0) await sleep(context.chunkDelayMs);
  }
  response.end();
}

function invoke(
  response: ServerResponse,
  model: string,
  body: Record<string, unknown>,
  requestId: string,
): void {
  const headers = { 'x-amzn-requestid': requestId };
  if (model.startsWith('amazon.titan-embed')) {
    if (typeof body.inputText !== 'string') {
      sendBedrockError(
        response,
        400,
        'Malformed input request: #: required key [inputText] not found, please reformat your input and try again.',
      );
      return;
    }
    const size = typeof body.dimensions === 'number' ? body.dimensions : 4;
    sendJson(
      response,
      200,
      { embedding: vectorOf(body.inputText, size), inputTextTokenCount: body.inputText.split(' ').length },
      headers,
    );
    return;
  }
  if (model.startsWith('cohere.embed')) {
    const texts = asArray(body.texts).filter((text): text is string => typeof text === 'string');
    if (texts.length === 0 || typeof body.input_type !== 'string') {
      sendBedrockError(
        response,
        400,
        'Malformed input request: texts and input_type are required, please reformat your input and try again.',
      );
      return;
    }
    sendJson(
      response,
      200,
      {
        id: requestId,
        texts,
        embeddings: texts.map((text) => vectorOf(text, 4)),
        response_type: 'embeddings_floats',
      },
      headers,
    );
    return;
  }
  sendBedrockError(response, 400, 'The provided model identifier is invalid.');
}

function lastUserContent(body: Record<string, unknown>): Record<string, unknown>[] {
  const last = asArray(body.messages).findLast((message) => asRecord(message)?.role === 'user');
  return asArray(asRecord(last)?.content).flatMap((block) => {
    const record = asRecord(block);
    return record === undefined ? [] : [record];
  });
}

function lastUserText(body: Record<string, unknown>): string {
  return lastUserContent(body)
    .map((block) => (typeof block.text === 'string' ? block.text : ''))
    .filter((text) => text !== '')
    .join(' ');
}

function lastToolResult(body: Record<string, unknown>): string {
  return lastUserContent(body)
    .flatMap((block) => asArray(asRecord(block.toolResult)?.content))
    .map((item) => {
      const record = asRecord(item);
      return typeof record?.text === 'string' ? record.text : JSON.stringify(record?.json ?? '');
    })
    .join(' ');
}

function vectorOf(text: string, size: number): number[] {
  const vector = Array.from({ length: size }, () => 0);
  for (let index = 0; index < text.length; index++)
    vector[index % size] = (vector[index % size] ?? 0) + text.charCodeAt(index) / 1000;
  return vector;
}

function headerOf(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
