import OpenAI from 'openai';
import { fetch, type Agent } from 'undici';

/**
 * The official client, with its own retries off: a retry in the client would hide an error the gateway let
 * through, and the scenarios count exactly those. With `agent`, its connections come from that pool (a fixed
 * number of sockets, for counting the gateway's file descriptors).
 */
export function openaiClient(gatewayUrl: string, apiKey: string, timeoutMs = 30_000, agent?: Agent): OpenAI {
  return new OpenAI({
    baseURL: `${gatewayUrl}/v1`,
    apiKey,
    maxRetries: 0,
    timeout: timeoutMs,
    ...(agent === undefined
      ? {}
      : { fetch: fetch as unknown as typeof globalThis.fetch, fetchOptions: { dispatcher: agent } }),
  });
}

/** What the request asks; the fake upstream answers `echo: <it>`, so a wrong or cut answer is caught. */
export const promptOf = (id: string, words = 6) =>
  `request ${id} ${Array.from({ length: words }, (_, index) => `w${index}`).join(' ')}`;

/** The request id a prompt was made for, read back from a request the upstream recorded. */
export function requestIdOf(upstreamBody: unknown): string | undefined {
  const messages = (upstreamBody as { messages?: { content?: unknown }[] } | undefined)?.messages;
  const content = messages?.at(-1)?.content;
  return typeof content === 'string' ? /^request (\S+) /.exec(content)?.[1] : undefined;
}

/** One chat completion; checks the answer is whole and resolves with the upstream model that gave it. */
export async function chat(client: OpenAI, group: string, id: string): Promise<string> {
  const prompt = promptOf(id);
  const reply = await client.chat.completions.create(
    { model: group, messages: [{ role: 'user', content: prompt }] },
    { headers: { 'x-request-id': id } },
  );
  const text = reply.choices[0]?.message.content;
  if (text !== `echo: ${prompt}`) throw new Error(`wrong answer for ${id}: ${JSON.stringify(text)}`);
  return reply.model;
}

/** One streamed chat completion read to its end; checks every word and the finish reason arrived. */
export async function streamChat(client: OpenAI, group: string, id: string, words = 6): Promise<string> {
  const prompt = promptOf(id, words);
  const stream = await client.chat.completions.create(
    { model: group, stream: true, messages: [{ role: 'user', content: prompt }] },
    { headers: { 'x-request-id': id } },
  );
  let text = '';
  let model = '';
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    model = chunk.model;
    text += chunk.choices[0]?.delta.content ?? '';
    finish ??= chunk.choices[0]?.finish_reason;
  }
  if (text !== `echo: ${prompt}` || finish !== 'stop')
    throw new Error(`cut stream for ${id}: ${JSON.stringify(text)} (finish ${String(finish)})`);
  return model;
}
