import { asArray, asRecord, asString, badRequest, parseJson, contentParts } from '../json.ts';
import type { Content, Part, Role } from './wire.ts';

/**
 * OpenAI chat messages as Gemini contents: system and developer messages become the system instruction's parts,
 * assistant turns `model` turns, tool calls `functionCall` parts and tool results `functionResponse` parts (named
 * after the call they answer), media inline data or file data. Consecutive turns of one role are merged, as
 * Gemini wants the answers to one turn's calls together.
 */
interface Turn {
  role: Role;
  parts: Part[];
}

export function translateMessages(value: unknown): { system: Part[]; contents: Content[] } {
  const list = asArray(value);
  if (list === undefined) throw badRequest("'messages' must be a list");
  const system: Part[] = [];
  const turns: Turn[] = [];
  /** Tool call id → function name: Gemini names the function a result answers, OpenAI only the call id. */
  const callNames = new Map<string, string>();
  list.forEach((item, index) => {
    const path = `messages[${index}]`;
    const message = asRecord(item);
    if (message === undefined) throw badRequest(`${path} must be an object`);
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(
          ...userParts(message.content, `${path}.content`).filter((part) => part.text !== undefined),
        );
        break;
      case 'user':
        addTurn(turns, 'user', userParts(message.content, `${path}.content`));
        break;
      case 'assistant':
        addTurn(turns, 'model', modelParts(message, path, callNames));
        break;
      case 'tool':
      case 'function':
        addTurn(turns, 'user', [functionResponse(message, path, callNames)]);
        break;
      default:
        throw badRequest(`${path}.role ${JSON.stringify(message.role)} is not supported by gemini`);
    }
  });
  if (turns.length === 0) throw badRequest('gemini needs at least one user or assistant message');
  return { system, contents: turns };
}

function addTurn(turns: Turn[], role: Role, parts: Part[]): void {
  if (parts.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.parts.push(...parts);
  else turns.push({ role, parts });
}

function userParts(content: unknown, path: string): Part[] {
  return contentParts(content, path).flatMap((part, index): Part[] => {
    const partPath = `${path}[${index}]`;
    switch (part.type) {
      case 'text': {
        const text = asString(part.text);
        if (text === undefined) throw badRequest(`${partPath}.text must be a string`);
        return text === '' ? [] : [{ text }];
      }
      case 'image_url':
        return [
          mediaPart(
            asString(part.image_url) ?? asString(asRecord(part.image_url)?.url),
            asString(asRecord(part.image_url)?.format),
            partPath,
          ),
        ];
      case 'input_audio': {
        const audio = asRecord(part.input_audio);
        const data = asString(audio?.data);
        if (data === undefined) throw badRequest(`${partPath}.input_audio.data must be a string`);
        return [{ inlineData: { mimeType: `audio/${asString(audio?.format) ?? 'wav'}`, data } }];
      }
      case 'file': {
        const file = asRecord(part.file);
        return [
          mediaPart(asString(file?.file_data) ?? asString(file?.file_id), asString(file?.format), partPath),
        ];
      }
      default:
        throw badRequest(
          `${partPath}: content part type ${JSON.stringify(part.type)} is not supported by gemini`,
        );
    }
  });
}

/** Common media types by extension, for URLs Gemini fetches itself (`fileData` needs a type). */
const mediaTypes: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  pdf: 'application/pdf',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  mp4: 'video/mp4',
};

/**
 * A data URL becomes inline data; any other URL (`gs://`, the Files API, http) a `fileData` part that Google
 * fetches: the gateway does not download URLs for the client.
 */
function mediaPart(url: string | undefined, format: string | undefined, path: string): Part {
  if (url === undefined) throw badRequest(`${path}: the media part needs a URL or data`);
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    const [mimeType = '', ...flags] = (comma === -1 ? '' : url.slice('data:'.length, comma)).split(';');
    if (!flags.includes('base64') || mimeType === '')
      throw badRequest(`${path}: data URLs must be base64 (data:image/png;base64,...)`);
    return { inlineData: { mimeType, data: url.slice(comma + 1) } };
  }
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase() ?? '';
  const mimeType = format ?? mediaTypes[extension];
  return { fileData: mimeType === undefined ? { fileUri: url } : { mimeType, fileUri: url } };
}

function modelParts(message: Record<string, unknown>, path: string, callNames: Map<string, string>): Part[] {
  const parts: Part[] = [];
  for (const [index, part] of contentParts(message.content, `${path}.content`).entries()) {
    if (part.type === 'text' && typeof part.text === 'string' && part.text !== '')
      parts.push({ text: part.text });
    else if (part.type !== 'text' && part.type !== 'refusal')
      throw badRequest(
        `${path}.content[${index}]: content part type ${JSON.stringify(part.type)} is not supported`,
      );
  }
  (asArray(message.tool_calls) ?? []).forEach((item, index) => {
    const call = asRecord(item);
    const fn = asRecord(call?.function);
    const name = asString(fn?.name);
    if (name === undefined) throw badRequest(`${path}.tool_calls[${index}].function.name must be a string`);
    const id = asString(call?.id);
    if (id !== undefined) callNames.set(id, name);
    const text = asString(fn?.arguments)?.trim() ?? '';
    const args = text === '' ? {} : asRecord(parseJson(text));
    if (args === undefined)
      throw badRequest(`${path}.tool_calls[${index}].function.arguments must be a JSON object`);
    parts.push({ functionCall: { name, args } });
  });
  return parts;
}

/** A tool result: a JSON object is sent as the response, anything else as `{"content": ...}` (LiteLLM's form). */
function functionResponse(
  message: Record<string, unknown>,
  path: string,
  callNames: Map<string, string>,
): Part {
  const id = asString(message.tool_call_id);
  const name = asString(message.name) ?? (id === undefined ? undefined : callNames.get(id));
  if (name === undefined)
    throw badRequest(`${path}: a tool result must answer a tool call of an earlier assistant message`);
  const content = message.content;
  const text =
    typeof content === 'string'
      ? content
      : contentParts(content, `${path}.content`)
          .map((part) => asString(part.text) ?? '')
          .join('');
  const parsed = asRecord(parseJson(text));
  return { functionResponse: { name, response: parsed ?? { content: text } } };
}
