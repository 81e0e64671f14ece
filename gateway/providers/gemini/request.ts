import { asArray, asNumber, asRecord, asString, badRequest, type Mutable } from '../json.ts';
import type { RequestBody } from '../types.ts';
import { translateMessages } from './messages.ts';
import { geminiSchema } from './schema.ts';
import type {
  FunctionDeclaration,
  GenerateContentRequest,
  GenerationConfig,
  SafetySetting,
  ToolConfig,
} from './wire.ts';

export interface GeminiRequestOptions {
  readonly model: string;
  readonly dropParams: boolean;
  /** `litellm_params.safety_settings`, used when the request has none. */
  readonly safetySettings?: unknown;
}

/** OpenAI parameters Gemini has no equivalent for: refused, or dropped under `drop_params`. */
const unsupportedParams: readonly (readonly [string, (value: unknown) => boolean])[] = [
  ['logit_bias', (value) => Object.keys(asRecord(value) ?? {}).length > 0],
  ['audio', isSet],
  ['prediction', isSet],
  ['functions', isSet],
  ['function_call', isSet],
  ['web_search_options', isSet],
];

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Renames into `generationConfig` that need no logic. Later rows win (`max_completion_tokens`). */
const generationRenames: readonly (readonly [string, keyof GenerationConfig])[] = [
  ['temperature', 'temperature'],
  ['top_p', 'topP'],
  ['top_k', 'topK'],
  ['max_tokens', 'maxOutputTokens'],
  ['max_completion_tokens', 'maxOutputTokens'],
  ['n', 'candidateCount'],
  ['presence_penalty', 'presencePenalty'],
  ['frequency_penalty', 'frequencyPenalty'],
  ['seed', 'seed'],
  ['top_logprobs', 'logprobs'],
];

/** LiteLLM's thinking budgets for `reasoning_effort`. */
const thinkingBudgets: Readonly<Record<string, number>> = {
  none: 0,
  disable: 0,
  minimal: 128,
  low: 1024,
  medium: 2048,
  high: 4096,
};

/** Gemini's `functionCallingConfig.mode` for OpenAI's string `tool_choice`. */
const toolModes: Readonly<Record<string, ToolConfig['functionCallingConfig']['mode']>> = {
  auto: 'AUTO',
  none: 'NONE',
  required: 'ANY',
};

/**
 * Translates an OpenAI chat request into a Gemini `generateContent` request: system and developer messages become
 * `systemInstruction`, assistant turns `model` turns, tool calls `functionCall` parts and tool results
 * `functionResponse` parts (named after the call they answer), images inline data. Consecutive turns of one role
 * are merged, as Gemini wants the answers to one turn's calls together.
 */
export function toGenerateContentRequest(
  body: RequestBody,
  options: GeminiRequestOptions,
): GenerateContentRequest {
  const refused = unsupportedParams.filter(([name, asked]) => asked(body[name])).map(([name]) => name);
  if (refused.length > 0 && !options.dropParams)
    throw badRequest(
      `gemini does not support the parameter${refused.length > 1 ? 's' : ''} ${refused.map((name) => `'${name}'`).join(', ')} ` +
        `(model ${options.model}). Remove it, or set litellm_settings.drop_params: true to drop unsupported parameters.`,
    );
  const { system, contents } = translateMessages(body.messages);
  const request: Mutable<GenerateContentRequest> = { contents };
  if (system.length > 0) request.systemInstruction = { parts: system };
  const tools = functionDeclarations(body.tools);
  if (tools.length > 0) {
    request.tools = [{ functionDeclarations: tools }];
    const toolConfig = toolConfigOf(body.tool_choice);
    if (toolConfig !== undefined) request.toolConfig = toolConfig;
  }
  const generation = generationConfigOf(body);
  if (Object.keys(generation).length > 0) request.generationConfig = generation;
  const safety = safetySettingsOf(body.safety_settings ?? body.safetySettings ?? options.safetySettings);
  if (safety.length > 0) request.safetySettings = safety;
  return request;
}

function generationConfigOf(body: RequestBody): GenerationConfig {
  const config: Record<string, unknown> = {};
  for (const [from, to] of generationRenames) {
    const value = body[from];
    if (value === undefined || value === null) continue;
    if (asNumber(value) === undefined) throw badRequest(`'${from}' must be a number`);
    config[to] = value;
  }
  const stop = typeof body.stop === 'string' ? [body.stop] : (asArray(body.stop) ?? []);
  const stops = stop.filter((item): item is string => typeof item === 'string' && item !== '');
  if (stops.length > 0) config.stopSequences = stops;
  if (body.logprobs === true) config.responseLogprobs = true;
  const format = asRecord(body.response_format);
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    const schema = asRecord(asRecord(format.json_schema)?.schema);
    if (schema !== undefined) config.responseJsonSchema = schema;
  }
  const effort = asString(body.reasoning_effort);
  if (effort !== undefined) {
    const budget = thinkingBudgets[effort];
    if (budget === undefined)
      throw badRequest(`reasoning_effort ${JSON.stringify(effort)} is not supported by gemini`);
    config.thinkingConfig =
      budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true };
  }
  const thinking = asRecord(body.thinking);
  const budget = asNumber(thinking?.budget_tokens);
  if (thinking?.type === 'enabled' && budget !== undefined)
    config.thinkingConfig = { thinkingBudget: budget, includeThoughts: true };
  return config;
}

function safetySettingsOf(value: unknown): SafetySetting[] {
  return (asArray(value) ?? []).flatMap((item) => {
    const setting = asRecord(item);
    const category = asString(setting?.category);
    const threshold = asString(setting?.threshold);
    return category === undefined || threshold === undefined ? [] : [{ category, threshold }];
  });
}

function functionDeclarations(value: unknown): FunctionDeclaration[] {
  return (asArray(value) ?? []).map((item, index) => {
    const tool = asRecord(item);
    if (tool?.type !== 'function')
      throw badRequest(
        `tools[${index}]: only function tools can be sent to gemini (got ${JSON.stringify(tool?.type)})`,
      );
    const fn = asRecord(tool.function);
    const name = asString(fn?.name);
    if (name === undefined) throw badRequest(`tools[${index}].function.name must be a string`);
    const declaration: Mutable<FunctionDeclaration> = { name };
    const description = asString(fn?.description);
    if (description !== undefined) declaration.description = description;
    const parameters = geminiSchema(fn?.parameters);
    // Gemini refuses an object schema without properties.
    if (Object.keys(asRecord(parameters.properties) ?? {}).length > 0) declaration.parameters = parameters;
    return declaration;
  });
}

function toolConfigOf(choice: unknown): ToolConfig | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (typeof choice === 'string') {
    const mode = toolModes[choice];
    if (mode === undefined)
      throw badRequest(`tool_choice ${JSON.stringify(choice)} is not supported by gemini`);
    return { functionCallingConfig: { mode } };
  }
  const name = asString(asRecord(asRecord(choice)?.function)?.name);
  if (name === undefined)
    throw badRequest(`tool_choice ${JSON.stringify(choice)} is not supported by gemini`);
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } };
}
