import type { Contender, Target } from './contenders/contender.ts';

const expected = 'Hello! How can I help you today?';

async function post(target: Target): Promise<{ status: number; text: string }> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: target.body,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, text: await response.text() };
}

/** The text of an OpenAI chat stream's deltas, or an error when its framing is not OpenAI's. */
function streamedText(body: string): string {
  const frames = body.split('\n\n').filter((frame) => frame.trim() !== '');
  if (frames.at(-1)?.trim() !== 'data: [DONE]') throw new Error('the stream did not end with data: [DONE]');
  return frames
    .slice(0, -1)
    .map((frame) => {
      const data = frame.split('\n').find((line) => line.startsWith('data: '));
      if (data === undefined) return '';
      const chunk = JSON.parse(data.slice('data: '.length)) as {
        object?: string;
        choices?: { delta?: { content?: string } }[];
      };
      if (chunk.object !== 'chat.completion.chunk') throw new Error(`a frame is not a chunk: ${data}`);
      return chunk.choices?.map((choice) => choice.delta?.content ?? '').join('') ?? '';
    })
    .join('');
}

/** Throws unless the contender passes the upstream's answer on, as JSON and as a stream. */
export async function verify(contender: Contender): Promise<void> {
  const json = await post(contender.targets.json);
  if (json.status !== 200) throw new Error(`chat completion: ${json.status} ${json.text.slice(0, 300)}`);
  const content = (JSON.parse(json.text) as { choices?: { message?: { content?: string } }[] }).choices?.[0]
    ?.message?.content;
  if (content !== expected)
    throw new Error(`chat completion: not the upstream's body: ${json.text.slice(0, 300)}`);
  const stream = await post(contender.targets.stream);
  if (stream.status !== 200) throw new Error(`stream: ${stream.status} ${stream.text.slice(0, 300)}`);
  const text = streamedText(stream.text);
  if (text !== expected) throw new Error(`stream: not the upstream's tokens: ${JSON.stringify(text)}`);
}
