import { networkFailure } from '../upstream/http.ts';
import type { CallContext } from './types.ts';

/** A streamed upstream body whose failures (idle timeout, reset, abort) are classified for the router. */
export async function* classifiedBody(
  body: AsyncIterable<Uint8Array | string>,
  context: CallContext,
  host: string,
): AsyncGenerator<Uint8Array | string> {
  try {
    yield* body;
  } catch (error) {
    throw networkFailure(error, context.signal, host);
  }
}
