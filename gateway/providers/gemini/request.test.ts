import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../upstream/errors.ts';
import { toGenerateContentRequest } from './request.ts';
import { geminiSchema } from './schema.ts';

const options = { model: 'gemini-2.5-flash', dropParams: false };

describe('toGenerateContentRequest', () => {
  it('joins system and developer messages into the system instruction and merges same-role turns', () => {
    const request = toGenerateContentRequest(
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
          { role: 'assistant', content: 'c' },
        ],
      },
      options,
    );
    expect(request.systemInstruction).toEqual({
      parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }],
    });
    expect(request.contents).toEqual([
      { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
      { role: 'model', parts: [{ text: 'c' }] },
    ]);
  });

  it('sends data URLs inline and other URLs as file data with a guessed type', () => {
    const request = toGenerateContentRequest(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } },
              { type: 'image_url', image_url: { url: 'gs://bucket/cat.png' } },
              { type: 'input_audio', input_audio: { data: 'UklG', format: 'wav' } },
            ],
          },
        ],
      },
      options,
    );
    expect(request.contents[0]?.parts).toEqual([
      { inlineData: { mimeType: 'image/jpeg', data: 'AAAA' } },
      { fileData: { mimeType: 'image/png', fileUri: 'gs://bucket/cat.png' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklG' } },
    ]);
  });

  it('names each function response after the call it answers, keeping parallel results in one turn', () => {
    const request = toGenerateContentRequest(
      {
        messages: [
          { role: 'user', content: 'two cities' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_a',
                type: 'function',
                function: { name: 'weather', arguments: '{"city":"Paris"}' },
              },
              { id: 'call_b', type: 'function', function: { name: 'time', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_a', content: '{"celsius":20}' },
          { role: 'tool', tool_call_id: 'call_b', content: 'noon' },
        ],
      },
      options,
    );
    expect(request.contents.slice(1)).toEqual([
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'time', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'weather', response: { celsius: 20 } } },
          { functionResponse: { name: 'time', response: { content: 'noon' } } },
        ],
      },
    ]);
  });

  it('refuses a tool result that answers no known call', () => {
    expect(() =>
      toGenerateContentRequest({ messages: [{ role: 'tool', tool_call_id: 'x', content: 'y' }] }, options),
    ).toThrow(/tool result must answer a tool call/);
  });

  it('maps sampling, stop, n, response formats and reasoning into generationConfig', () => {
    const request = toGenerateContentRequest(
      {
        messages: [{ role: 'user', content: 'x' }],
        temperature: 0.5,
        top_p: 0.9,
        max_tokens: 10,
        max_completion_tokens: 20,
        n: 2,
        stop: 'END',
        seed: 3,
        presence_penalty: 0.1,
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
        reasoning_effort: 'low',
      },
      options,
    );
    expect(request.generationConfig).toEqual({
      temperature: 0.5,
      topP: 0.9,
      maxOutputTokens: 20,
      candidateCount: 2,
      stopSequences: ['END'],
      seed: 3,
      presencePenalty: 0.1,
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object' },
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
    });
  });

  it('maps tool_choice to function calling modes', () => {
    const tools = [
      { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: {} } } } },
    ];
    const messages = [{ role: 'user', content: 'x' }];
    expect(toGenerateContentRequest({ messages, tools, tool_choice: 'none' }, options).toolConfig).toEqual({
      functionCallingConfig: { mode: 'NONE' },
    });
    expect(
      toGenerateContentRequest(
        { messages, tools, tool_choice: { type: 'function', function: { name: 'f' } } },
        options,
      ).toolConfig,
    ).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
  });

  it('refuses unsupported parameters, or drops them under drop_params', () => {
    const body = { messages: [{ role: 'user', content: 'x' }], logit_bias: { 1: 1 } };
    expect(() => toGenerateContentRequest(body, options)).toThrow(ProviderError);
    expect(toGenerateContentRequest(body, { ...options, dropParams: true })).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'x' }] }],
    });
  });

  it('passes safety settings from the request or litellm_params', () => {
    const setting = { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' };
    const messages = [{ role: 'user', content: 'x' }];
    expect(
      toGenerateContentRequest({ messages }, { ...options, safetySettings: [setting] }).safetySettings,
    ).toEqual([setting]);
  });
});

describe('geminiSchema', () => {
  it('keeps the OpenAPI subset and turns nullable type lists into nullable', () => {
    expect(
      geminiSchema({
        type: 'object',
        additionalProperties: false,
        $schema: 'x',
        properties: {
          a: { type: ['string', 'null'], description: 'd' },
          b: { type: 'array', items: { type: 'integer', const: 1 } },
        },
        required: ['a'],
      }),
    ).toEqual({
      type: 'object',
      properties: {
        a: { type: 'string', nullable: true, description: 'd' },
        b: { type: 'array', items: { type: 'integer' } },
      },
      required: ['a'],
    });
  });
});
