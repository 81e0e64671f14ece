import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors.ts';
import {
  anthropicErrorBody,
  anthropicErrorFromOpenAI,
  anthropicErrorOf,
  anthropicToChatRequest,
  chatChunksToAnthropicEvents,
  chatCompletionToAnthropic,
  messageIdOf,
} from './messages-api.ts';
import { toChatCompletion } from './response.ts';
import { toChatChunks } from './stream.ts';
import { fromList } from './testing.ts';

function invalidOf(body: unknown): GatewayError {
  try {
    anthropicToChatRequest(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

const base = { model: 'claude-sonnet-4-5', max_tokens: 256 };

describe('anthropicToChatRequest', () => {
  it.each([
    {
      name: 'a minimal request',
      body: { messages: [{ role: 'user', content: 'hi' }] },
      expected: { model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] },
    },
    {
      name: 'a system string',
      body: { system: 'be brief', messages: [{ role: 'user', content: 'hi' }] },
      expected: {
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hi' },
        ],
      },
    },
    {
      name: 'system text blocks, joined',
      body: {
        system: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two', cache_control: { type: 'ephemeral' } },
        ],
        messages: [{ role: 'user', content: 'hi' }],
      },
      expected: {
        messages: [
          { role: 'system', content: 'one\n\ntwo' },
          { role: 'user', content: 'hi' },
        ],
      },
    },
    {
      name: 'a single text block as a string',
      body: { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      expected: { messages: [{ role: 'user', content: 'hi' }] },
    },
    {
      name: 'text and images (base64 as a data URL, url as is)',
      body: {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what are these?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/dog.png' } },
            ],
          },
        ],
      },
      expected: {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what are these?' },
              { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
              { type: 'image_url', image_url: { url: 'https://example.com/dog.png' } },
            ],
          },
        ],
      },
    },
    {
      name: 'assistant text and tool_use as content and tool_calls; thinking left out',
      body: {
        messages: [
          { role: 'user', content: 'weather?' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'hmm', signature: 'sig' },
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            ],
          },
        ],
      },
      expected: {
        messages: [
          { role: 'user', content: 'weather?' },
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              {
                id: 'toolu_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
            ],
          },
        ],
      },
    },
    {
      name: 'an assistant turn of tool calls only has null content',
      body: {
        messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'now', input: {} }] }],
      },
      expected: {
        messages: [
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 't', type: 'function', function: { name: 'now', arguments: '{}' } }],
          },
        ],
      },
    },
    {
      name: 'tool results as tool messages before the rest of the user turn; their images go to the user turn',
      body: {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny' },
              {
                type: 'tool_result',
                tool_use_id: 'toolu_2',
                content: [
                  { type: 'text', text: 'chart:' },
                  { type: 'image', source: { type: 'url', url: 'https://example.com/c.png' } },
                ],
                is_error: false,
              },
              { type: 'text', text: 'thanks' },
            ],
          },
        ],
      },
      expected: {
        messages: [
          { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny' },
          { role: 'tool', tool_call_id: 'toolu_2', content: 'chart:' },
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: 'https://example.com/c.png' } },
              { type: 'text', text: 'thanks' },
            ],
          },
        ],
      },
    },
    {
      name: 'a user turn of tool results only',
      body: { messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't' }] }] },
      expected: { messages: [{ role: 'tool', tool_call_id: 't', content: '' }] },
    },
    {
      name: 'parameters: stop_sequences, sampling, metadata.user_id',
      body: {
        messages: [{ role: 'user', content: 'hi' }],
        stop_sequences: ['END', 'STOP'],
        temperature: 0.5,
        top_p: 0.8,
        top_k: 20,
        metadata: { user_id: 'u-1' },
      },
      expected: { stop: ['END', 'STOP'], temperature: 0.5, top_p: 0.8, top_k: 20, user: 'u-1' },
    },
    {
      name: 'stream asks for usage',
      body: { messages: [{ role: 'user', content: 'hi' }], stream: true },
      expected: { stream: true, stream_options: { include_usage: true } },
    },
  ])('$name', ({ body, expected }) => {
    expect(anthropicToChatRequest({ ...base, ...body })).toMatchObject(expected);
  });

  it('sends nothing OpenAI would not take', () => {
    const chat = anthropicToChatRequest({
      ...base,
      messages: [{ role: 'user', content: 'hi' }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      metadata: {},
      stream: false,
    });
    expect(Object.keys(chat).sort()).toEqual(['max_tokens', 'messages', 'model']);
  });

  const weather = {
    name: 'get_weather',
    description: 'Weather for a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' } } },
  };

  it('translates tools to function tools', () => {
    const chat = anthropicToChatRequest({
      ...base,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [weather, { type: 'custom', name: 'now', input_schema: { type: 'object' } }],
    });
    expect(chat.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: weather.input_schema,
        },
      },
      { type: 'function', function: { name: 'now', parameters: { type: 'object' } } },
    ]);
  });

  it.each([
    { choice: { type: 'auto' }, expected: 'auto', parallel: undefined },
    { choice: { type: 'any' }, expected: 'required', parallel: undefined },
    { choice: { type: 'none' }, expected: 'none', parallel: undefined },
    {
      choice: { type: 'tool', name: 'get_weather' },
      expected: { type: 'function', function: { name: 'get_weather' } },
      parallel: undefined,
    },
    { choice: { type: 'auto', disable_parallel_tool_use: true }, expected: 'auto', parallel: false },
    { choice: undefined, expected: undefined, parallel: undefined },
  ])('tool_choice $choice → $expected', ({ choice, expected, parallel }) => {
    const chat = anthropicToChatRequest({
      ...base,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [weather],
      tool_choice: choice,
    });
    expect(chat.tool_choice).toEqual(expected);
    expect(chat.parallel_tool_calls).toBe(parallel);
  });

  it.each([
    { name: 'a body that is not an object', body: [], error: /JSON object/, param: null },
    { name: 'no model', body: { messages: [] }, error: /model/, param: 'model' },
    { name: 'no messages', body: { model: 'm' }, error: /messages/, param: 'messages' },
    {
      name: 'a system role message',
      body: { model: 'm', messages: [{ role: 'system', content: 'x' }] },
      error: /role/,
      param: 'messages.0',
    },
    {
      name: 'a document block',
      body: { model: 'm', messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] },
      error: /"document" is not supported/,
      param: 'messages.0.content.0',
    },
    {
      name: 'a file image source',
      body: {
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }],
      },
      error: /image sources/,
      param: 'messages.0.content.0',
    },
    {
      name: 'a server tool',
      body: {
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      },
      error: /"web_search_20250305" is not supported/,
      param: 'tools',
    },
  ])('refuses $name as invalid_request', ({ body, error, param }) => {
    const failure = invalidOf(body);
    expect(failure.status).toBe(400);
    expect(failure.message).toMatch(error);
    expect(failure.param).toBe(param);
  });
});

describe('chatCompletionToAnthropic', () => {
  const completion = (
    message: Record<string, unknown>,
    finish: string | null,
    usage?: Record<string, unknown>,
  ) => ({
    id: 'chatcmpl-abc123',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
    usage: usage ?? { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
  });

  it('translates a text completion', () => {
    expect(chatCompletionToAnthropic(completion({ content: 'Hi!' }, 'stop'))).toEqual({
      id: 'msg_abc123',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o',
      content: [{ type: 'text', text: 'Hi!' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 9,
        output_tokens: 2,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
  });

  it('translates tool calls into tool_use blocks with parsed input', () => {
    const message = chatCompletionToAnthropic(
      completion(
        {
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            { id: 'call_2', type: 'function', function: { name: 'broken', arguments: '{not json' } },
          ],
        },
        'tool_calls',
      ),
    );
    expect(message.content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'broken', input: {} },
    ]);
    expect(message.stop_reason).toBe('tool_use');
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['content_filter', 'refusal'],
    ['tool_calls', 'tool_use'],
    [null, 'end_turn'],
  ])('finish_reason %s → stop_reason %s', (finish, stop) => {
    expect(chatCompletionToAnthropic(completion({ content: 'x' }, finish)).stop_reason).toBe(stop);
  });

  it('says tool_use when a provider reports stop with tool calls', () => {
    const message = chatCompletionToAnthropic(
      completion(
        {
          content: '',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        'stop',
      ),
    );
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([{ type: 'tool_use', id: 'c', name: 'f', input: {} }]);
  });

  it('splits cached prompt tokens out of input_tokens', () => {
    const message = chatCompletionToAnthropic(
      completion({ content: 'x' }, 'stop', {
        prompt_tokens: 1110,
        completion_tokens: 5,
        total_tokens: 1115,
        prompt_tokens_details: { cached_tokens: 1000 },
        cache_creation_input_tokens: 100,
      }),
    );
    expect(message.usage).toEqual({
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 1000,
    });
  });

  it('gives back what toChatCompletion translated (Anthropic → OpenAI → Anthropic)', () => {
    const original = {
      id: 'msg_01RoundTrip',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: 'Let me see.', signature: 'sig' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 12,
        output_tokens: 30,
        cache_creation_input_tokens: 5,
        cache_read_input_tokens: 100,
      },
    };
    expect(chatCompletionToAnthropic(toChatCompletion(original, 1))).toEqual(original);
  });

  it.each([
    ['chatcmpl-msg_01X', 'msg_01X'],
    ['chatcmpl-abc', 'msg_abc'],
    ['resp_1', 'msg_resp_1'],
  ])('message id of %s is %s', (chatId, messageId) => {
    expect(messageIdOf(chatId)).toBe(messageId);
  });
});

/** OpenAI SSE frames for a text answer, as OpenAI streams them with `include_usage`. */
const openAIText = [
  'data: {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
  'data: {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}',
  'data: {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":" world"},"finish_reason":null}]}',
  'data: {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
  'data: {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":8,"completion_tokens":2,"total_tokens":10,"prompt_tokens_details":{"cached_tokens":3}}}',
  'data: [DONE]',
]
  .map((line) => `${line}\n\n`)
  .join('');

/** OpenAI SSE frames for text followed by two tool calls. */
const openAITools = [
  'data: {"id":"chatcmpl-t","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"On it."},"finish_reason":null}]}',
  'data: {"id":"chatcmpl-t","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_A","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}',
  'data: {"id":"chatcmpl-t","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":"}}]},"finish_reason":null}]}',
  'data: {"id":"chatcmpl-t","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]},"finish_reason":null}]}',
  'data: {"id":"chatcmpl-t","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_B","type":"function","function":{"name":"now","arguments":"{}"}}]},"finish_reason":null}]}',
  'data: {"id":"chatcmpl-t","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}',
  'data: [DONE]',
]
  .map((line) => `${line}\n\n`)
  .join('');

interface Event {
  event: string;
  data: Record<string, unknown>;
}

async function anthropicEvents(
  input: string | string[],
  model = 'claude-x',
): Promise<{ text: string; events: Event[] }> {
  let text = '';
  for await (const frame of chatChunksToAnthropicEvents(
    fromList(typeof input === 'string' ? [input] : input),
    {
      model,
    },
  ))
    text += frame;
  const events = text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      const [eventLine = '', dataLine = ''] = frame.split('\n');
      return {
        event: eventLine.slice('event: '.length),
        data: JSON.parse(dataLine.slice('data: '.length)) as Record<string, unknown>,
      };
    });
  return { text, events };
}

describe('chatChunksToAnthropicEvents', () => {
  it('translates a text stream into the real event sequence', async () => {
    const { text, events } = await anthropicEvents(openAIText);
    expect(text).toBe(
      [
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_abc","type":"message","role":"assistant","model":"gpt-4o","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}',
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
        'event: ping\ndata: {"type":"ping"}',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" world"}}',
        'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}',
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":5,"output_tokens":2,"cache_creation_input_tokens":0,"cache_read_input_tokens":3}}',
        'event: message_stop\ndata: {"type":"message_stop"}',
        '',
      ].join('\n\n'),
    );
    expect(events.every(({ event, data }) => event === data.type)).toBe(true);
  });

  it('translates tool call deltas into tool_use blocks after the text block', async () => {
    const { events } = await anthropicEvents(openAITools);
    expect(events.map(({ data }) => data)).toEqual([
      expect.objectContaining({ type: 'message_start' }),
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'ping' },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'On it.' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'call_A', name: 'get_weather', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '{"city":' },
      },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '"Paris"}' },
      },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'call_B', name: 'now', input: {} },
      },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } },
      { type: 'content_block_stop', index: 2 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: {
          input_tokens: 0,
          output_tokens: 0,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
      { type: 'message_stop' },
    ]);
  });

  it('says tool_use when a provider streams tool calls but finishes with stop (Ollama)', async () => {
    const input = [
      'data: {"id":"chatcmpl-o","choices":[{"index":0,"delta":{"role":"assistant","content":"","tool_calls":[{"index":0,"id":"call_x","function":{"name":"f","arguments":"{\\"a\\":1}"}}]},"finish_reason":null}]}\n\n',
      'data: {"id":"chatcmpl-o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
    ];
    const { events } = await anthropicEvents(input);
    expect(events.find(({ event }) => event === 'message_delta')?.data.delta).toEqual({
      stop_reason: 'tool_use',
      stop_sequence: null,
    });
    expect(events.find(({ event }) => event === 'message_start')?.data.message).toMatchObject({
      model: 'claude-x',
    });
  });

  it('turns an OpenAI error frame into an error event and ends there', async () => {
    const cut = openAIText.indexOf(
      'data: {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason"',
    );
    const errorFrame =
      'data: {"error":{"message":"Overloaded","type":"api_error","param":null,"code":"overloaded_error"}}\n\n';
    const { events } = await anthropicEvents(openAIText.slice(0, cut) + errorFrame);
    expect(events.at(-1)).toEqual({
      event: 'error',
      data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    expect(events.map(({ event }) => event)).not.toContain('message_stop');
  });

  it('finishes a stream that ends without [DONE], and an empty one', async () => {
    const { events } = await anthropicEvents(openAIText.replace('data: [DONE]\n\n', ''));
    expect(events.at(-1)?.event).toBe('message_stop');
    const empty = await anthropicEvents([]);
    expect(empty.events.map(({ event }) => event)).toEqual([
      'message_start',
      'message_delta',
      'message_stop',
    ]);
  });

  it('takes the same events as bytes split anywhere', async () => {
    const bytes: Uint8Array[] = [];
    for (let at = 0; at < openAITools.length; at += 5)
      bytes.push(new TextEncoder().encode(openAITools.slice(at, at + 5)));
    let text = '';
    for await (const frame of chatChunksToAnthropicEvents(fromList(bytes), { model: 'm' })) text += frame;
    expect(text).toBe((await anthropicEvents(openAITools, 'm')).text);
  });

  it('gives back an Anthropic stream translated by toChatChunks (Anthropic → OpenAI → Anthropic)', async () => {
    const recorded = `event: message_start
data: {"type":"message_start","message":{"id":"msg_01RT","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":40,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type":"ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me check."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_9","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\":\\"Paris\\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":21}}

event: message_stop
data: {"type":"message_stop"}

`;
    const openAI = toChatChunks(fromList([recorded]), { created: 1, includeUsage: true, model: 'x' });
    const { text } = await anthropicEvents(await arrayOf(openAI));
    const normalize = (stream: string) =>
      stream
        .split('\n\n')
        .filter((frame) => frame !== '')
        .map(
          (frame) =>
            JSON.parse(frame.split('\n')[1]?.slice('data: '.length) ?? '') as Record<string, unknown>,
        );
    const expected = normalize(recorded);
    // The usage of message_start is only known at the end once translated; message_delta carries it.
    (expected[0] as { message: { usage: unknown } }).message.usage = { input_tokens: 0, output_tokens: 0 };
    (expected.at(-2) as { usage: unknown }).usage = {
      input_tokens: 40,
      output_tokens: 21,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
    expect(normalize(text)).toEqual(expected);
  });
});

async function arrayOf<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('Anthropic error bodies', () => {
  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [409, 'invalid_request_error'],
    [413, 'request_too_large'],
    [415, 'invalid_request_error'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [502, 'api_error'],
    [503, 'api_error'],
    [504, 'api_error'],
    [529, 'overloaded_error'],
  ])('status %i → %s', (status, type) => {
    expect(anthropicErrorBody(status, 'why')).toEqual({ type: 'error', error: { type, message: 'why' } });
  });

  it('keeps an Anthropic error type passed through as the OpenAI code', () => {
    expect(
      anthropicErrorFromOpenAI(400, {
        error: {
          message: 'prompt is too long',
          type: 'invalid_request_error',
          param: null,
          code: 'request_too_large',
        },
      }),
    ).toEqual({ type: 'error', error: { type: 'request_too_large', message: 'prompt is too long' } });
  });

  it('uses the OpenAI type when no status is known', () => {
    expect(
      anthropicErrorFromOpenAI(undefined, {
        error: { message: 'slow down', type: 'rate_limit_error', code: null },
      }),
    ).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
    expect(
      anthropicErrorFromOpenAI(undefined, { error: { message: 'boom', type: 'server_error' } }).error.type,
    ).toBe('api_error');
  });

  it('renders a GatewayError with its status and headers', () => {
    const error = new GatewayError('rate_limited', 'too many requests', { headers: { 'retry-after': '3' } });
    expect(anthropicErrorOf(error)).toEqual({
      status: 429,
      headers: { 'retry-after': '3' },
      body: { type: 'error', error: { type: 'rate_limit_error', message: 'too many requests' } },
    });
    expect(anthropicErrorOf(new GatewayError('model_not_found', 'no such model')).body.error.type).toBe(
      'invalid_request_error',
    );
    expect(anthropicErrorOf(new GatewayError('no_deployment_available', 'busy')).status).toBe(503);
  });
});
