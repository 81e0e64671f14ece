import { anthropicProtocol } from './anthropic.ts';
import { sendJson, type Protocol } from './server.ts';

const path =
  /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;

/**
 * Anthropic models on Vertex AI (`publishers/anthropic/models/{m}:rawPredict` and `:streamRawPredict`): a bearer
 * token accepted by `acceptToken`, `anthropic_version: vertex-2023-10-16` in the body and no `model` there (the
 * URL names it). Then it answers as the Anthropic fake does, with Anthropic's bodies, events and errors.
 */
export function vertexAnthropicProtocol(acceptToken: (token: string) => boolean): Protocol {
  const anthropic = anthropicProtocol();
  return {
    matches: (method, candidate) => method === 'POST' && path.test(candidate),
    async answer(context) {
      const { request, response } = context;
      const match = path.exec(request.path.split('?')[0] ?? '');
      const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (match === null || token === undefined || !acceptToken(token)) {
        sendJson(response, 401, {
          error: {
            code: 401,
            message: 'Request had invalid authentication credentials. Expected OAuth 2 access token.',
            status: 'UNAUTHENTICATED',
          },
        });
        return;
      }
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (body.anthropic_version !== 'vertex-2023-10-16') {
        anthropic.sendError(response, 400, 'anthropic_version: Input should be vertex-2023-10-16');
        return;
      }
      if ('model' in body) {
        anthropic.sendError(response, 400, 'model: Extra inputs are not permitted');
        return;
      }
      if ((match[4] === 'streamRawPredict') !== (body.stream === true)) {
        anthropic.sendError(response, 400, 'stream must be true for streamRawPredict only');
        return;
      }
      const { anthropic_version: _version, ...rest } = body;
      await anthropic.answer({
        ...context,
        request: {
          ...request,
          headers: { ...request.headers, 'x-api-key': 'vertex', 'anthropic-version': '2023-06-01' },
          body: { ...rest, model: decodeURIComponent(match[3] ?? '') },
        },
      });
    },
    sendError: (response, status, message, code) => {
      anthropic.sendError(response, status, message, code);
    },
  };
}
