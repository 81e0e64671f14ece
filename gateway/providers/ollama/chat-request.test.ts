import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors.ts';
import { chatMessages, chatRequest } from './chat-request.ts';
import { ollamaDeployment } from './test-support/deployment.ts';

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('chatRequest', () => {
  it('builds the /api/chat body of a plain request', () => {
    expect(
      chatRequest(
        { model: 'local', messages: [{ role: 'user', content: 'Hello' }], temperature: 0.3, max_tokens: 50 },
        ollamaDeployment(),
      ),
    ).toEqual({
      model: 'llama3.1',
      stream: false,
      options: { temperature: 0.3, num_predict: 50 },
      messages: [{ role: 'user', content: 'Hello' }],
    });
  });

  it('passes function tools in the same shape, unless tool_choice is none', () => {
    const body = { messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool], stream: true };
    expect(chatRequest(body, ollamaDeployment())).toMatchObject({ stream: true, tools: [weatherTool] });
    expect(chatRequest({ ...body, tool_choice: 'none' }, ollamaDeployment())).not.toHaveProperty('tools');
    expect(chatRequest({ ...body, tools: [] }, ollamaDeployment())).not.toHaveProperty('tools');
  });

  it('sends structured output as format', () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    expect(
      chatRequest(
        {
          messages: [{ role: 'user', content: 'ok?' }],
          response_format: { type: 'json_schema', json_schema: { name: 'r', schema } },
        },
        ollamaDeployment(),
      ).format,
    ).toEqual(schema);
  });
});

describe('chatMessages', () => {
  it('maps roles, flattens content and moves images beside it', () => {
    expect(
      chatMessages([
        { role: 'developer', content: 'Be brief.' },
        { role: 'system', content: [{ type: 'text', text: 'Answer in French.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ]),
    ).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'What is this?', images: ['iVBORw0KGgo='] },
    ]);
  });

  it('parses tool call arguments and names tool results after their call', () => {
    expect(
      chatMessages([
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_0',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            { id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_0', content: '18°C' },
        { role: 'tool', tool_call_id: 'call_1', content: '14:00' },
        { role: 'tool', tool_call_id: 'unknown', content: '?' },
      ]),
    ).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { function: { name: 'get_weather', arguments: { city: 'Paris' } } },
          { function: { name: 'get_time', arguments: {} } },
        ],
      },
      { role: 'tool', content: '18°C', tool_name: 'get_weather' },
      { role: 'tool', content: '14:00', tool_name: 'get_time' },
      { role: 'tool', content: '?' },
    ]);
  });

  it('names a tool result after the nearest earlier call with that id', () => {
    const call = (name: string) => ({
      role: 'assistant',
      tool_calls: [{ id: 'call_0', type: 'function', function: { name, arguments: '{}' } }],
    });
    const messages = chatMessages([
      call('first'),
      { role: 'tool', tool_call_id: 'call_0', content: 'a' },
      call('second'),
      { role: 'tool', tool_call_id: 'call_0', content: 'b' },
    ]);
    expect(messages.map((message) => message.tool_name)).toEqual([undefined, 'first', undefined, 'second']);
  });

  it('reads a legacy function message as a tool result', () => {
    expect(chatMessages([{ role: 'function', name: 'get_weather', content: 'sunny' }])).toEqual([
      { role: 'tool', content: 'sunny', tool_name: 'get_weather' },
    ]);
  });

  it('refuses what it cannot send', () => {
    expect(() => chatMessages('hi')).toThrow(GatewayError);
    expect(() => chatMessages([{ content: 'no role' }])).toThrow(/messages\.0 needs a role/);
    expect(() =>
      chatMessages([
        { role: 'assistant', tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{oops' } }] },
      ]),
    ).toThrow(/messages\.0\.tool_calls\.0\.function\.arguments is not valid JSON/);
    expect(() =>
      chatMessages([
        { role: 'assistant', tool_calls: [{ id: 'c', function: { name: 'f', arguments: '[1]' } }] },
      ]),
    ).toThrow(/must be a JSON object/);
  });
});
