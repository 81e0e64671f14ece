import type { Deployment, RequestBody } from '../types.ts';
import { chatMessages } from './chat-request.ts';
import { commonFields, type CommonFields } from './common-fields.ts';
import { invalid } from './content.ts';

export interface OllamaGenerateRequest extends CommonFields {
  prompt: string;
  system?: string;
  suffix?: string;
  images?: string[];
}

/** The heading of each turn when a conversation is rendered as one prompt (LiteLLM's `ollama_pt` format). */
const turnHeadings: Readonly<Record<string, string>> = {
  user: '### User:',
  tool: '### User:',
  assistant: '### Assistant:',
};

/**
 * A chat request for `ollama/<model>`, as `POST /api/generate`: system messages go to `system`, the rest is
 * rendered as text turns, and images of all messages travel in `images`. Tools need `/api/chat`
 * (`ollama_chat/<model>`): they are refused, or dropped under `drop_params`.
 */
export function generateChatRequest(
  body: RequestBody,
  deployment: Deployment,
  dropParams: boolean,
): OllamaGenerateRequest {
  if (Array.isArray(body.tools) && body.tools.length > 0 && !dropParams) {
    throw invalid(
      'tools are not supported by ollama/<model> (/api/generate); use ollama_chat/<model>, or set drop_params',
      'tools',
    );
  }
  const { system, prompt, images } = renderConversation(body.messages);
  return {
    ...commonFields(body, deployment),
    prompt,
    ...(system === '' ? {} : { system }),
    ...(images.length === 0 ? {} : { images }),
  };
}

/**
 * One prompt from a conversation. A lone user message is sent as its own text; longer conversations become
 * `### User:` / `### Assistant:` turns, assistant tool calls written out as JSON.
 */
export function renderConversation(messages: unknown): { system: string; prompt: string; images: string[] } {
  const converted = chatMessages(messages);
  const system = converted.filter((message) => message.role === 'system').map((message) => message.content);
  const turns = converted.filter((message) => message.role !== 'system');
  const images = turns.flatMap((message) => message.images ?? []);
  const only = turns[0];
  if (turns.length === 1 && only?.role === 'user')
    return { system: system.join('\n\n'), prompt: only.content, images };
  const prompt = turns
    .map((message) => {
      const heading = turnHeadings[message.role] ?? `### ${message.role}:`;
      const calls =
        message.tool_calls === undefined ? '' : `Tool Calls: ${JSON.stringify(message.tool_calls, null, 2)}`;
      return `${heading}\n${message.content}${calls}`;
    })
    .join('\n\n');
  return { system: system.join('\n\n'), prompt, images };
}

/** A legacy completion (`/v1/completions`) as `POST /api/generate`: one prompt, with an optional `suffix`. */
export function completionRequest(body: RequestBody, deployment: Deployment): OllamaGenerateRequest {
  return {
    ...commonFields(body, deployment),
    prompt: singlePrompt(body.prompt),
    ...(typeof body.suffix === 'string' ? { suffix: body.suffix } : {}),
  };
}

/** Ollama generates for one text prompt; token arrays and batches of prompts cannot be sent. */
function singlePrompt(prompt: unknown): string {
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') return prompt[0];
  throw invalid(
    'ollama takes one text prompt per completion (no token arrays or batches of prompts)',
    'prompt',
  );
}
