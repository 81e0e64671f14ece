import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { sendJson, sendSse, sleep, type ExchangeContext, type Protocol } from './server.ts';

/** Google's canonical status name for each HTTP status it answers with. */
const statusNames: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Fields of `GenerateContentRequest`; the real API refuses any other with "Unknown name". */
const requestFields = new Set([
  'contents',
  'systemInstruction',
  'tools',
  'toolConfig',
  'generationConfig',
  'safetySettings',
  'cachedContent',
  'labels',
]);
const generationFields = new Set([
  'temperature',
  'topP',
  'topK',
  'maxOutputTokens',
  'stopSequences',
  'candidateCount',
  'presencePenalty',
  'frequencyPenalty',
  'seed',
  'responseLogprobs',
  'logprobs',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'thinkingConfig',
  'responseModalities',
]);
const partFields = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse'];
/** OpenAPI schema keys Gemini's function `parameters` accept. */
const schemaFields = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);

/** A last user text containing this is blocked before any candidate (`promptFeedback.blockReason`). */
export const blockedPrompt = 'blocked-prompt';
/** A last user text containing this makes the candidate stop on `SAFETY`. */
export const blockedAnswer = 'blocked-answer';
/** A streamed answer containing this is cut off (the connection dropped) after the first event. */
export const cutMidStream = 'cut mid-stream';

/** The key that Google refuses with `API_KEY_INVALID` (a 400, as the real API answers). */
export const invalidGeminiKey = 'AIzaInvalidKeyForTests000000000000000';

export interface GeminiProtocolOptions {
  /**
   * Vertex AI authentication: when given, requests need `Authorization: Bearer <token>` accepted by this, and the
   * Vertex path (`/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:{method}`) instead of AI Studio's.
   */
  readonly acceptToken?: (token: string) => boolean;
}

type Method = 'generateContent' | 'streamGenerateContent' | 'batchEmbedContents' | 'predict';

const studioPath = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/;
const vertexPath =
  /^\/v1(?:beta1)?\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):(generateContent|streamGenerateContent|predict)$/;

function routeOf(path: string, vertex: boolean): { model: string; method: Method } | undefined {
  const pathname = path.split('?')[0] ?? path;
  if (vertex) {
    const match = vertexPath.exec(pathname);
    return match === null
      ? undefined
      : { model: decodeURIComponent(match[3] ?? ''), method: match[4] as Method };
  }
  const match = studioPath.exec(pathname);
  return match === null
    ? undefined
    : { model: decodeURIComponent(match[1] ?? ''), method: match[2] as Method };
}

/**
 * Gemini's wire format, as Google AI Studio (`/v1beta/models/{m}:generateContent`, key in `x-goog-api-key`) or
 * Vertex AI (bearer token) serves it. The answer is `echo: <last user text>` (with the media types of inline
 * parts), a `get_weather` function call when tools are offered and the text mentions the weather, a safety block
 * on the marker texts; `streamGenerateContent?alt=sse` sends the answer word by word as whole responses; errors
 * are Google's `{"error":{"code","message","status"}}`.
 */
export function geminiProtocol(options: GeminiProtocolOptions = {}): Protocol {
  const vertex = options.acceptToken !== undefined;
  let count = 0;
  return {
    matches: (method, path) => method === 'POST' && routeOf(path, vertex) !== undefined,
    async answer(context) {
      const { request, response } = context;
      const route = routeOf(request.path, vertex);
      if (route === undefined) return;
      const refused = authProblem(request.headers, options);
      if (refused !== undefined) {
        sendGoogleError(response, refused.status, refused.message, refused.reason);
        return;
      }
      const body = asRecord(request.body);
      if (route.method === 'predict') {
        const instances = Array.isArray(body?.instances) ? (body.instances as unknown[]) : [];
        if (
          instances.length === 0 ||
          !instances.every((item) => typeof asRecord(item)?.content === 'string')
        ) {
          sendGoogleError(response, 400, 'Invalid instances: each instance needs a content string.');
          return;
        }
        const size = Number(asRecord(body?.parameters)?.outputDimensionality ?? 4);
        sendJson(response, 200, {
          predictions: instances.map((item) => {
            const content = String(asRecord(item)?.content);
            return {
              embeddings: {
                values: vectorOf(content, size),
                statistics: { token_count: content.split(' ').length, truncated: false },
              },
            };
          }),
          metadata: { billableCharacterCount: 10 },
        });
        return;
      }
      if (route.method === 'batchEmbedContents') {
        const invalid =
          body === undefined ? 'request body must be a JSON object' : validateEmbed(body, route.model);
        if (invalid !== undefined || body === undefined) {
          sendGoogleError(response, 400, invalid ?? 'invalid request');
          return;
        }
        sendJson(response, 200, {
          embeddings: (body.requests as Record<string, unknown>[]).map((item) => ({
            values: vectorOf(textOf(asRecord(item.content)), Number(item.outputDimensionality ?? 4)),
          })),
        });
        return;
      }
      const invalid = body === undefined ? 'request body must be a JSON object' : validate(body);
      if (invalid !== undefined || body === undefined) {
        sendGoogleError(response, 400, invalid ?? 'invalid request');
        return;
      }
      count += 1;
      const responseId = `fakeResp${String(count).padStart(6, '0')}`;
      const answers = answersOf(body);
      if (route.method === 'generateContent') {
        sendJson(response, 200, { ...answers.whole, responseId, modelVersion: route.model });
        return;
      }
      if (!request.path.includes('alt=sse')) {
        // Without `alt=sse` Google streams one JSON array; the gateway never asks for it.
        sendJson(
          response,
          200,
          answers.pieces.map((piece) => ({ ...piece, responseId, modelVersion: route.model })),
        );
        return;
      }
      const frames = answers.pieces.map(
        (piece) => `data: ${JSON.stringify({ ...piece, responseId, modelVersion: route.model })}\r\n\r\n`,
      );
      if (lastUserText(body).includes(cutMidStream)) {
        await cutAfterFirst(context, frames);
        return;
      }
      await sendSse(context, frames);
    },
    sendError: (response, status, message, code) => {
      sendGoogleError(response, status, message, code);
    },
  };
}

async function cutAfterFirst(context: ExchangeContext, frames: readonly string[]): Promise<void> {
  context.response.writeHead(200, { 'content-type': 'text/event-stream' });
  context.response.write(frames[0] ?? '');
  await sleep(20);
  context.response.socket?.destroy();
}

function authProblem(
  headers: IncomingHttpHeaders,
  options: GeminiProtocolOptions,
): { status: number; message: string; reason?: string } | undefined {
  if (options.acceptToken !== undefined) {
    const token = /^Bearer (\S+)$/.exec(headerOf(headers.authorization))?.[1];
    if (token === undefined || !options.acceptToken(token))
      return {
        status: 401,
        message:
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      };
    return undefined;
  }
  const key = headerOf(headers['x-goog-api-key']);
  if (key === '')
    return {
      status: 403,
      message:
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    };
  if (key === invalidGeminiKey)
    return {
      status: 400,
      message: 'API key not valid. Please pass a valid API key.',
      reason: 'API_KEY_INVALID',
    };
  return undefined;
}

/** Google's error body; `reason`, when given, is sent as an `ErrorInfo` detail (the real API's form). */
export function sendGoogleError(
  response: ServerResponse,
  status: number,
  message: string,
  reason?: string,
): void {
  sendJson(response, status, {
    error: {
      code: status,
      message,
      status: statusNames[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
      ...(reason === undefined
        ? {}
        : {
            details: [
              {
                '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                reason,
                domain: 'googleapis.com',
                metadata: { service: 'generativelanguage.googleapis.com' },
              },
            ],
          }),
    },
  });
}

function unknownName(name: string, at?: string): string {
  return `Invalid JSON payload received. Unknown name "${name}"${at === undefined ? '' : ` at '${at}'`}: Cannot find field.`;
}

function validate(body: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(body)) if (!requestFields.has(key)) return unknownName(key);
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0)
    return '* GenerateContentRequest.contents: contents is not specified';
  for (const [index, item] of (contents as unknown[]).entries()) {
    const content = asRecord(item);
    if (
      content?.role !== undefined &&
      content.role !== 'user' &&
      content.role !== 'model' &&
      content.role !== 'function'
    )
      return `Please use a valid role: user, model.`;
    const invalid = validateParts(content?.parts, `contents[${index}]`);
    if (invalid !== undefined) return invalid;
  }
  const system = asRecord(body.systemInstruction);
  if (body.systemInstruction !== undefined) {
    const invalid = validateParts(system?.parts, 'system_instruction');
    if (invalid !== undefined) return invalid;
  }
  for (const key of Object.keys(asRecord(body.generationConfig) ?? {}))
    if (!generationFields.has(key)) return unknownName(key, 'generation_config');
  for (const [index, tool] of (Array.isArray(body.tools) ? (body.tools as unknown[]) : []).entries()) {
    const declarations = asRecord(tool)?.functionDeclarations;
    for (const [at, declaration] of (Array.isArray(declarations)
      ? (declarations as unknown[])
      : []
    ).entries()) {
      const invalid = validateSchema(
        asRecord(declaration)?.parameters,
        `tools[${index}].function_declarations[${at}].parameters`,
      );
      if (invalid !== undefined) return invalid;
    }
  }
  return undefined;
}

function validateParts(parts: unknown, at: string): string | undefined {
  if (!Array.isArray(parts) || parts.length === 0)
    return `* GenerateContentRequest.${at}.parts: contents.parts must not be empty.`;
  for (const [index, item] of (parts as unknown[]).entries()) {
    const part = asRecord(item) ?? {};
    const data = partFields.filter((field) => part[field] !== undefined);
    if (data.length !== 1)
      return `* GenerateContentRequest.${at}.parts[${index}].data: required oneof field 'data' must have one initialized field`;
  }
  return undefined;
}

function validateSchema(schema: unknown, at: string): string | undefined {
  const record = asRecord(schema);
  if (record === undefined) return undefined;
  for (const key of Object.keys(record)) if (!schemaFields.has(key)) return unknownName(key, at);
  for (const [name, inner] of Object.entries(asRecord(record.properties) ?? {})) {
    const invalid = validateSchema(inner, `${at}.properties[${name}].value`);
    if (invalid !== undefined) return invalid;
  }
  return validateSchema(record.items, `${at}.items`);
}

function validateEmbed(body: Record<string, unknown>, model: string): string | undefined {
  if (!Array.isArray(body.requests) || body.requests.length === 0)
    return '* BatchEmbedContentsRequest.requests: requests is not specified';
  for (const [index, item] of (body.requests as unknown[]).entries()) {
    const request = asRecord(item);
    if (request?.model !== `models/${model}`)
      return `* BatchEmbedContentsRequest.requests[${index}].model: the model must be models/${model}`;
    const invalid = validateParts(asRecord(request.content)?.parts, `requests[${index}].content`);
    if (invalid !== undefined) return invalid;
  }
  return undefined;
}

interface Answers {
  readonly whole: Record<string, unknown>;
  readonly pieces: Record<string, unknown>[];
}

function answersOf(body: Record<string, unknown>): Answers {
  const text = lastUserText(body);
  const generation = asRecord(body.generationConfig) ?? {};
  const promptTokens = Math.max(
    1,
    Math.ceil(JSON.stringify([body.systemInstruction, body.contents]).length / 4),
  );
  const thoughts = asRecord(generation.thinkingConfig)?.includeThoughts === true ? 5 : 0;
  const usage = (output: number) => ({
    promptTokenCount: promptTokens,
    candidatesTokenCount: output,
    totalTokenCount: promptTokens + output + thoughts,
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
  });
  if (text.includes(blockedPrompt)) {
    const whole = {
      promptFeedback: {
        blockReason: 'SAFETY',
        safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH' }],
      },
      usageMetadata: { promptTokenCount: promptTokens, totalTokenCount: promptTokens },
    };
    return { whole, pieces: [whole] };
  }
  if (text.includes(blockedAnswer)) {
    const whole = {
      candidates: [
        {
          finishReason: 'SAFETY',
          index: 0,
          safetyRatings: [{ category: 'HARM_CATEGORY_HARASSMENT', probability: 'HIGH', blocked: true }],
        },
      ],
      usageMetadata: usage(0),
    };
    return { whole, pieces: [whole] };
  }
  const tools = Array.isArray(body.tools) ? (body.tools as unknown[]) : [];
  const mode = asRecord(asRecord(body.toolConfig)?.functionCallingConfig)?.mode;
  if (tools.length > 0 && mode !== 'NONE' && /\bweather\b/i.test(text)) {
    const call = { functionCall: { name: 'get_weather', args: { city: 'Paris' } } };
    const whole = {
      candidates: [{ content: { role: 'model', parts: [call] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: usage(8),
    };
    return { whole, pieces: [whole] };
  }
  let reply = `echo: ${text || lastFunctionResponse(body)}`;
  const media = inlineTypes(body);
  if (media.length > 0) reply += ` [${media.join(', ')}]`;
  let finishReason = 'STOP';
  const stops = Array.isArray(generation.stopSequences) ? (generation.stopSequences as string[]) : [];
  for (const stop of stops) {
    const at = reply.indexOf(stop);
    if (at !== -1) reply = reply.slice(0, at);
  }
  let words = reply.split(' ');
  const max = typeof generation.maxOutputTokens === 'number' ? generation.maxOutputTokens : Infinity;
  if (words.length > max) {
    words = words.slice(0, max);
    finishReason = 'MAX_TOKENS';
  }
  const count = typeof generation.candidateCount === 'number' ? generation.candidateCount : 1;
  const thought = thoughts > 0 ? [{ text: 'Thinking about it.', thought: true }] : [];
  const candidates = Array.from({ length: count }, (_, index) => ({
    content: { role: 'model', parts: [...thought, { text: words.join(' ') }] },
    finishReason,
    index,
  }));
  const pieces = words.map((word, at) => ({
    candidates: [
      {
        content: {
          role: 'model',
          parts: [...(at === 0 ? thought : []), { text: at === 0 ? word : ` ${word}` }],
        },
        ...(at === words.length - 1 ? { finishReason } : {}),
        index: 0,
      },
    ],
    usageMetadata: at === words.length - 1 ? usage(words.length) : { promptTokenCount: promptTokens },
  }));
  return { whole: { candidates, usageMetadata: usage(words.length) }, pieces };
}

function lastUser(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const contents = Array.isArray(body.contents) ? (body.contents as unknown[]) : [];
  return asRecord(contents.findLast((content) => asRecord(content)?.role === 'user'));
}

function lastUserText(body: Record<string, unknown>): string {
  return textOf(lastUser(body));
}

function textOf(content: Record<string, unknown> | undefined): string {
  const parts = Array.isArray(content?.parts) ? (content.parts as unknown[]) : [];
  return parts
    .map((part) => asRecord(part)?.text)
    .filter((text): text is string => typeof text === 'string')
    .join(' ');
}

function inlineTypes(body: Record<string, unknown>): string[] {
  const parts = Array.isArray(lastUser(body)?.parts) ? (lastUser(body)?.parts as unknown[]) : [];
  return parts.flatMap((part) => {
    const record = asRecord(part);
    const type = asRecord(record?.inlineData)?.mimeType ?? asRecord(record?.fileData)?.mimeType;
    return typeof type === 'string' ? [type] : [];
  });
}

function lastFunctionResponse(body: Record<string, unknown>): string {
  const parts = Array.isArray(lastUser(body)?.parts) ? (lastUser(body)?.parts as unknown[]) : [];
  const found = parts
    .map((part) => asRecord(asRecord(part)?.functionResponse))
    .find((value) => value !== undefined);
  return found === undefined ? '' : JSON.stringify(found.response);
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

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
