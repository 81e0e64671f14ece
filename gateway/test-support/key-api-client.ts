import OpenAI from 'openai';

export const testMasterKey = 'sk-test-master-key-0123456789';

/** Calls the gateway's management API as a script would (plain HTTP, LiteLLM's paths). */
export async function callApi(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  key: string = testMasterKey,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function openaiClient(baseUrl: string, key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
}

/** The status and error code of a call that should fail (the official client's error classes carry both). */
export async function refusalOf(
  call: Promise<unknown>,
): Promise<{ status: number | undefined; code: string | null | undefined; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof OpenAI.APIError) {
      const status: number | undefined = (error as { status?: number }).status;
      return { status, code: error.code, message: error.message };
    }
    throw error;
  }
  throw new Error('expected the call to be refused');
}
