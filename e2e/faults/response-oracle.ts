/** What every answer to a hostile request must be: not a 5xx, an OpenAI-shaped error body, no secret in it. */

export interface Answer {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** A secret by name; it leaks when it, or its random part, shows anywhere in an answer. */
export interface Secret {
  readonly name: string;
  readonly value: string;
}

/** Anthropic's Messages API answers in Anthropic's error shape, by design (its SDK raises its own errors). */
const anthropicRoute = /^\/(v1\/)?messages(\/|\?|$)/;

export function violationsOf(answer: Answer, secrets: readonly Secret[]): string[] {
  const found: string[] = [];
  const where = `${answer.method} ${answer.path.slice(0, 80)} -> ${answer.status}`;
  if (answer.status >= 500) found.push(`${where}: a 5xx for bad input: ${answer.body.slice(0, 200)}`);
  if (answer.status >= 400 && answer.method !== 'HEAD') {
    const shape = errorShapeOf(answer.body);
    const allowed =
      anthropicRoute.test(answer.path) && answer.method === 'POST' ? ['openai', 'anthropic'] : ['openai'];
    if (!allowed.includes(shape))
      found.push(`${where}: error body is not OpenAI-shaped: ${answer.body.slice(0, 200)}`);
  }
  const everything = `${JSON.stringify(answer.headers)}\n${answer.body}`;
  for (const secret of secrets) {
    if (everything.includes(secret.value) || everything.includes(randomPart(secret.value)))
      found.push(`${where}: the answer contains the ${secret.name}`);
  }
  return found;
}

/** The part of a secret no fixed text shares: after its last dash, and at least its last 16 characters. */
function randomPart(value: string): string {
  const tail = value.slice(value.lastIndexOf('-') + 1);
  return tail.length >= 16 ? tail : value.slice(-16);
}

function errorShapeOf(body: string): 'openai' | 'anthropic' | 'other' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'other';
  }
  if (typeof parsed !== 'object' || parsed === null) return 'other';
  const { error, type } = parsed as { error?: unknown; type?: unknown };
  if (typeof error !== 'object' || error === null) return 'other';
  const fields = error as Record<string, unknown>;
  const nullableString = (value: unknown) => value === null || typeof value === 'string';
  if (
    typeof fields.message === 'string' &&
    typeof fields.type === 'string' &&
    'param' in fields &&
    nullableString(fields.param) &&
    'code' in fields &&
    nullableString(fields.code) &&
    type === undefined
  )
    return 'openai';
  if (type === 'error' && typeof fields.type === 'string' && typeof fields.message === 'string')
    return 'anthropic';
  return 'other';
}
