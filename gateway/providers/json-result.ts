import type { ProviderResult } from './types.ts';

type JsonResult = Extract<ProviderResult, { kind: 'json' }>;

/**
 * An OpenAI-shaped answer passed on as the upstream sent it. Its `usage` (tokens, spend, limits) is read
 * from the text; the rest is parsed only if something reads `body` (a translation, such as /v1/messages),
 * which a plain answer never does: parsing it whole was the largest share of the route's own CPU.
 */
export function rawJsonResult(raw: string): JsonResult {
  const usage = topLevelUsage(raw);
  // Not an object (an HTML page), cut short, or no usage where it is looked for: parsed now, as before.
  if (usage === parseInstead) return { kind: 'json', body: JSON.parse(raw) as unknown, raw };
  return new RawJson(raw, usage);
}

class RawJson implements JsonResult {
  readonly kind = 'json';
  readonly raw: string;
  readonly usage: unknown;
  #body: unknown;

  constructor(raw: string, usage: unknown) {
    this.raw = raw;
    this.usage = usage;
  }

  get body(): unknown {
    return (this.#body ??= JSON.parse(this.raw) as unknown);
  }
}

/** A JSON answer's `usage` object, or undefined when it has none. */
export function usageOf(result: JsonResult): unknown {
  if ('usage' in result) return result.usage;
  return (result.body as { usage?: unknown } | null)?.usage;
}

/** The usage could not be placed from the end: the text is parsed whole instead. */
const parseInstead = Symbol('parse instead');

const [quote, backslash, colon, comma, openBrace, closeBrace, openBracket, closeBracket] = [
  34, 92, 58, 44, 123, 125, 91, 93,
] as const;

/**
 * The value of the top-level `"usage"` key of a JSON object text, parsed alone; `parseInstead` when the text
 * is not an object or the key is not found or cannot be placed. Answers put `usage` near their end, so it is
 * looked for from the end and only what follows it is scanned: a quote preceded by an even run of
 * backslashes is a real one (inside a string every quote is escaped), and the key is top-level when what
 * follows its value closes exactly one object, at the end of the text. The text before is not checked: it
 * goes to the client as the upstream sent it.
 */
function topLevelUsage(text: string): unknown {
  if (text.charCodeAt(skipSpace(text, 0)) !== openBrace) return parseInstead;
  for (
    let at = text.lastIndexOf('"usage"');
    at !== -1;
    at = at === 0 ? -1 : text.lastIndexOf('"usage"', at - 1)
  ) {
    if (isEscaped(text, at)) continue;
    const afterKey = skipSpace(text, at + 7);
    if (text.charCodeAt(afterKey) !== colon) continue; // the word as a value, not a key
    const valueStart = skipSpace(text, afterKey + 1);
    const valueEnd = endOfValue(text, valueStart);
    if (valueEnd === -1) return parseInstead;
    // Nested after the top-level one, or brackets that do not close: rare enough to parse it all.
    if (!closesOneObject(text, valueEnd)) return parseInstead;
    try {
      return JSON.parse(text.slice(valueStart, valueEnd)) as unknown;
    } catch {
      return parseInstead;
    }
  }
  return parseInstead; // no usage: parsed whole, which also checks it
}

function isEscaped(text: string, quoteAt: number): boolean {
  let slashes = 0;
  while (text.charCodeAt(quoteAt - 1 - slashes) === backslash) slashes++;
  return slashes % 2 === 1;
}

/** Whether the text from `from` (outside any string) closes the object it is in, and nothing follows. */
function closesOneObject(text: string, from: number): boolean {
  const close = closingBracket(text, from);
  return close !== -1 && skipSpace(text, close + 1) === text.length;
}

/**
 * The index of the bracket that closes the object or array the text from `from` (outside any string) is in,
 * or -1 when its strings or brackets do not close.
 */
function closingBracket(text: string, from: number): number {
  let depth = 1;
  for (let index = from; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === quote) {
      index = endOfString(text, index);
      if (index === -1) return -1;
    } else if (code === openBrace || code === openBracket) depth++;
    else if (code === closeBrace || code === closeBracket) {
      depth--;
      if (depth === 0) return index;
    }
  }
  return -1;
}

/** The index of the quote that closes the string opening at `open`, or -1. */
function endOfString(text: string, open: number): number {
  let index = open;
  for (;;) {
    index = text.indexOf('"', index + 1);
    if (index === -1 || !isEscaped(text, index)) return index;
  }
}

/** The index just past the JSON value starting at `start` (an object, an array, or a scalar), or -1. */
function endOfValue(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === quote) {
    const end = endOfString(text, start);
    return end === -1 ? -1 : end + 1;
  }
  if (first !== openBrace && first !== openBracket) {
    let index = start;
    while (index < text.length) {
      const code = text.charCodeAt(index);
      if (code === comma || code === closeBrace || code === closeBracket || isSpace(code)) break;
      index++;
    }
    return index === start ? -1 : index;
  }
  const close = closingBracket(text, start + 1);
  return close === -1 ? -1 : close + 1;
}

function skipSpace(text: string, from: number): number {
  let index = from;
  while (index < text.length && isSpace(text.charCodeAt(index))) index++;
  return index;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}
