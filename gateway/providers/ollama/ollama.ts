import type { UpstreamResponse } from '../../upstream/http.ts';
import { networkFailure } from '../../upstream/http.ts';
import { ProviderError } from '../../upstream/errors.ts';
import { trimSlash } from '../openai/openai-compatible.ts';
import { readNdjson } from '../sse.ts';
import { credential, postJson } from '../upstream-call.ts';
import type { CallContext, Deployment, Operation, Provider, ProviderResult, RequestBody } from '../types.ts';
import { chatRequest } from './chat-request.ts';
import { chatCompletion, textCompletion } from './chat-response.ts';
import { includeUsage } from './common-fields.ts';
import { embeddingList, embedRequest } from './embeddings.ts';
import { completionRequest, generateChatRequest } from './generate-request.ts';
import { openAIFrames, type StreamMeta } from './stream.ts';
import { ollamaAnswerSchema, ollamaEmbedSchema, parseWire, wireErrorMessage } from './wire.ts';

export const ollamaDefaultApiBase = 'http://localhost:11434';

/**
 * `ollama_chat/<model>`: chat through Ollama's native `POST /api/chat` (messages, images, tools, JSON format).
 * Legacy completions go to `/api/generate` and embeddings to `/api/embed`, on the same server.
 */
export const ollamaChat: Provider = createOllamaProvider('ollama_chat');

/**
 * `ollama/<model>`: as LiteLLM does for this prefix, chat goes through `POST /api/generate` with the conversation
 * rendered as one prompt; completions and embeddings as for `ollama_chat`.
 */
export const ollama: Provider = createOllamaProvider('ollama');

function createOllamaProvider(name: 'ollama' | 'ollama_chat'): Provider {
  return {
    name,
    operations: new Set<Operation>(['chat', 'completion', 'embedding']),
    defaultApiBase: ollamaDefaultApiBase,
    async call(operation, body, deployment, context) {
      if (operation === 'embedding') {
        const response = await post(context, deployment, '/api/embed', embedRequest(body, deployment));
        const answer = parseWire(ollamaEmbedSchema, await readJson(response, context, deployment), 'answer');
        return { kind: 'json', body: embeddingList(answer, body, deployment.model) };
      }
      if (operation === 'completion') {
        const request = completionRequest(body, deployment);
        const response = await post(context, deployment, '/api/generate', request);
        return translate(response, 'text_completion', body, deployment, context);
      }
      const [path, request] =
        name === 'ollama_chat'
          ? ['/api/chat', chatRequest(body, deployment)]
          : ['/api/generate', generateChatRequest(body, deployment, context.dropParams)];
      const response = await post(context, deployment, path, request);
      return translate(response, 'chat', body, deployment, context);
    },
  };
}

function meta(
  shape: StreamMeta['shape'],
  body: RequestBody,
  deployment: Deployment,
  context: CallContext,
): StreamMeta {
  const prefix = shape === 'chat' ? 'chatcmpl' : 'cmpl';
  return {
    id: `${prefix}-${context.requestId}`,
    model: deployment.model,
    shape,
    includeUsage: includeUsage(body),
  };
}

/** Ollama needs no key; one behind an auth proxy takes the deployment's `api_key` as a bearer token. */
function post(context: CallContext, deployment: Deployment, path: string, request: unknown) {
  const apiKey = credential(deployment, 'api_key');
  const headers: Record<string, string> = apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` };
  return postJson(context, deployment, baseOf(deployment) + path, headers, request);
}

/** Ollama's answer, or its stream, in OpenAI's shape. */
async function translate(
  response: UpstreamResponse,
  shape: StreamMeta['shape'],
  body: RequestBody,
  deployment: Deployment,
  context: CallContext,
): Promise<ProviderResult> {
  const streamMeta = meta(shape, body, deployment, context);
  if (body.stream === true) {
    return { kind: 'stream', frames: openAIFrames(linesOf(response, context, deployment), streamMeta) };
  }
  const answer = parseWire(ollamaAnswerSchema, await readJson(response, context, deployment), 'answer');
  const error = wireErrorMessage(answer.error);
  if (error !== undefined) throw new ProviderError('internal', error);
  return {
    kind: 'json',
    body:
      streamMeta.shape === 'chat' ? chatCompletion(answer, streamMeta) : textCompletion(answer, streamMeta),
  };
}

async function readJson(
  response: UpstreamResponse,
  context: CallContext,
  deployment: Deployment,
): Promise<unknown> {
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw networkFailure(error, context.signal, hostOf(deployment));
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderError('internal', `${hostOf(deployment)} answered with something that is not JSON`);
  }
}

/** The stream's lines; a broken connection or a line that is not JSON fails the call like any upstream failure. */
async function* linesOf(
  response: UpstreamResponse,
  context: CallContext,
  deployment: Deployment,
): AsyncGenerator {
  try {
    yield* readNdjson(response.body);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new ProviderError('internal', `${hostOf(deployment)} sent a stream line that is not JSON`);
    }
    throw networkFailure(error, context.signal, hostOf(deployment));
  }
}

function baseOf(deployment: Deployment): string {
  return trimSlash(deployment.apiBase ?? ollamaDefaultApiBase);
}

function hostOf(deployment: Deployment): string {
  return new URL(baseOf(deployment)).host;
}
