import { asRecord } from '../upstream-call.ts';
import type { Deployment, RequestBody } from '../types.ts';
import { commonFields, type CommonFields } from './common-fields.ts';
import { invalid, splitContent } from './content.ts';

export interface OllamaMessage {
  role: string;
  content: string;
  images?: string[];
  tool_calls?: { function: { name: string; arguments: Record<string, unknown> } }[];
  /** Which tool produced a `tool` message: Ollama's counterpart of OpenAI's `tool_call_id`. */
  tool_name?: string;
}

export interface OllamaChatRequest extends CommonFields {
  messages: OllamaMessage[];
  tools?: unknown[];
}

/** Roles OpenAI has and Ollama spells differently. */
const roleRenames: Readonly<Record<string, string>> = { developer: 'system', function: 'tool' };

/** An OpenAI chat request as Ollama's `POST /api/chat` body. */
export function chatRequest(body: RequestBody, deployment: Deployment): OllamaChatRequest {
  const tools = Array.isArray(body.tools) && body.tools.length > 0 && body.tool_choice !== 'none';
  return {
    ...commonFields(body, deployment),
    messages: chatMessages(body.messages),
    // OpenAI's function tools are already Ollama's shape: {type: 'function', function: {name, description, parameters}}.
    ...(tools ? { tools: body.tools as unknown[] } : {}),
  };
}

/**
 * OpenAI messages as Ollama's: content flattened to a string with images beside it, assistant tool calls with
 * parsed arguments, and tool results named after the call they answer.
 */
export function chatMessages(messages: unknown): OllamaMessage[] {
  if (!Array.isArray(messages)) throw invalid('messages must be a list', 'messages');
  const toolNames = new Map<string, string>();
  return messages.map((value, index) => {
    const param = `messages.${index}`;
    const message = asRecord(value);
    if (message === undefined || typeof message.role !== 'string')
      throw invalid(`${param} needs a role`, param);
    const role = roleRenames[message.role] ?? message.role;
    const { text, images } = splitContent(message.content, param);
    const converted: OllamaMessage = { role, content: text };
    if (images.length > 0) converted.images = [...images];
    if (role === 'assistant' && Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      converted.tool_calls = message.tool_calls.map((call, callIndex) =>
        toolCallOf(call, `${param}.tool_calls.${callIndex}`, toolNames),
      );
    }
    if (role === 'tool') {
      const name =
        typeof message.tool_call_id === 'string' ? toolNames.get(message.tool_call_id) : message.name;
      if (typeof name === 'string') converted.tool_name = name;
    }
    return converted;
  });
}

function toolCallOf(
  value: unknown,
  param: string,
  toolNames: Map<string, string>,
): { function: { name: string; arguments: Record<string, unknown> } } {
  const call = asRecord(value);
  const fn = asRecord(call?.function);
  if (typeof fn?.name !== 'string') throw invalid(`${param}.function.name is missing`, param);
  if (typeof call?.id === 'string') toolNames.set(call.id, fn.name);
  return { function: { name: fn.name, arguments: argumentsOf(fn.arguments, param) } };
}

/** OpenAI sends arguments as a JSON string; Ollama wants the object. */
function argumentsOf(value: unknown, param: string): Record<string, unknown> {
  if (value === undefined || value === null || value === '') return {};
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw invalid(`${param}.function.arguments is not valid JSON`, param);
    }
  }
  const record = asRecord(parsed);
  if (record === undefined) throw invalid(`${param}.function.arguments must be a JSON object`, param);
  return record;
}
