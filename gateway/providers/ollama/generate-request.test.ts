import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors.ts';
import { completionRequest, generateChatRequest, renderConversation } from './generate-request.ts';
import { ollamaDeployment } from './test-support/deployment.ts';

const deployment = ollamaDeployment({ provider: 'ollama' });

describe('generateChatRequest', () => {
  it('sends a lone user message as the prompt and system messages as system', () => {
    expect(
      generateChatRequest(
        {
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Why is the sky blue?' },
          ],
          stream: true,
          seed: 1,
        },
        deployment,
        false,
      ),
    ).toEqual({
      model: 'llama3.1',
      stream: true,
      options: { seed: 1 },
      prompt: 'Why is the sky blue?',
      system: 'Be brief.',
    });
  });

  it('refuses tools, or drops them under drop_params', () => {
    const body = { messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function' }] };
    expect(() => generateChatRequest(body, deployment, false)).toThrow(GatewayError);
    expect(() => generateChatRequest(body, deployment, false)).toThrow(/use ollama_chat/);
    expect(generateChatRequest(body, deployment, true)).not.toHaveProperty('tools');
  });
});

describe('renderConversation', () => {
  it('renders a conversation as text turns, images of every turn beside it', () => {
    expect(
      renderConversation([
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'system', content: 'Use French.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'And this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
      ]),
    ).toEqual({
      system: 'You are terse.\n\nUse French.',
      prompt: '### User:\nHi\n\n### Assistant:\nHello.\n\n### User:\nAnd this?',
      images: ['AAAA'],
    });
  });

  it('writes out assistant tool calls and their results', () => {
    const { prompt } = renderConversation([
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'call_0', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_0', content: 'sunny' },
    ]);
    expect(prompt).toBe(
      [
        '### User:\nWeather?',
        `### Assistant:\nTool Calls: ${JSON.stringify([{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }], null, 2)}`,
        '### User:\nsunny',
      ].join('\n\n'),
    );
  });
});

describe('completionRequest', () => {
  it('sends the prompt, its suffix and options to /api/generate', () => {
    expect(
      completionRequest(
        { prompt: 'def add(a, b):', suffix: '    return c', max_tokens: 16, stop: '\n\n' },
        deployment,
      ),
    ).toEqual({
      model: 'llama3.1',
      stream: false,
      options: { num_predict: 16, stop: ['\n\n'] },
      prompt: 'def add(a, b):',
      suffix: '    return c',
    });
  });

  it('takes a list of one prompt, and refuses batches and token arrays', () => {
    expect(completionRequest({ prompt: ['Once'] }, deployment).prompt).toBe('Once');
    expect(() => completionRequest({ prompt: ['a', 'b'] }, deployment)).toThrow(/one text prompt/);
    expect(() => completionRequest({ prompt: [1, 2, 3] }, deployment)).toThrow(GatewayError);
  });
});
