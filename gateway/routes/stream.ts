import type { FastifyBaseLogger } from 'fastify';
import { GatewayError } from '../errors.ts';
import { ClientAbortError, ProviderError, toClientError } from '../upstream/errors.ts';

/**
 * Passes frames on; if the upstream fails after the stream started, ends it with an OpenAI error frame
 * instead of cutting the connection, so SDK clients raise a readable error.
 */
export async function* guardStream(
  frames: AsyncIterable<Uint8Array | string>,
  log: FastifyBaseLogger,
): AsyncGenerator<Uint8Array | string> {
  try {
    yield* frames;
  } catch (error) {
    if (error instanceof ClientAbortError) return;
    log.warn({ err: error }, 'upstream stream failed after it started');
    const clientError =
      error instanceof ProviderError
        ? toClientError(error)
        : new GatewayError('upstream_error', 'upstream stream failed');
    yield `data: ${JSON.stringify(clientError.toBody())}\n\n`;
  }
}
