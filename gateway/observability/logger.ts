import type { FastifyBaseLogger } from 'fastify';
import { pino, type Logger, type LoggerOptions } from 'pino';
import { batchedStdout } from './log-destination.ts';
import { isoTimeEachSecond } from './log-time.ts';
import { LogScrubber, secretEnvValues } from './scrubber.ts';

/** Every field path where a secret can sit in what we log; pino blanks them before a line is written. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-goog-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'headers["proxy-authorization"]',
  'headers.cookie',
  'headers["x-goog-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers["api-key"]',
  'api_key',
  'master_key',
  'salt_key',
  'key',
  'token',
  'password',
  'database_url',
  'redis_password',
  '*.api_key',
  '*.master_key',
  '*.salt_key',
  '*.key',
  '*.token',
  '*.azure_ad_token',
  '*.password',
  '*.database_url',
  '*.redis_password',
  '*.aws_secret_access_key',
  '*.client_secret',
];

const kScrubber = Symbol.for('switchyard.logScrubber');
const levels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export interface LoggerSettings {
  readonly level?: string;
  readonly destination?: pino.DestinationStream;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Production mode: nothing below info, whatever the level asked for. */
  readonly production?: boolean;
}

/**
 * The one pino logger: JSON lines, secrets blanked by path and, as a last line of defence, scrubbed from
 * every serialized line by shape and by known value (see LogScrubber).
 */
export function createLogger(options: LoggerSettings = {}): Logger {
  const env = options.env ?? process.env;
  const scrubber = new LogScrubber();
  scrubber.addSource(() => secretEnvValues(env));
  const settings: LoggerOptions = {
    level: clampLevel(options.level ?? levelFromEnv(env), options.production ?? false),
    base: { service: 'switchyard-gateway' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: isoTimeEachSecond(),
    hooks: { streamWrite: (line) => scrubber.scrub(line) },
  };
  const logger = pino(settings, options.destination ?? batchedStdout());
  Object.defineProperty(logger, kScrubber, { value: scrubber });
  return logger;
}

/**
 * The logger of the per-request access line. That line is built field by field from values that cannot hold a
 * secret (method, path, status, timings, alias, model, tokens, cost), so it skips pino's path redaction, which
 * costs about ten times the rest of the line; the line scrubber still runs on it. Its fields are plain data,
 * so the line is made by one JSON.stringify instead of pino's field-by-field concatenation (~2.7 KB of strings
 * a request against ~0.6): the same line, through pino's level check, hooks and stream (pino exports its
 * symbols for overrides like this one).
 */
export function accessLoggerOf(logger: FastifyBaseLogger): FastifyBaseLogger {
  const access = logger.child({}, { redact: { paths: [] } });
  Object.defineProperty(access, pino.symbols.asJsonSym, { value: plainDataLine });
  return access;
}

/** pino's `asJson` for a logger whose objects are plain data: `{"level":N,"time":…,<bindings>,<fields>,"msg":…}`. */
function plainDataLine(
  this: Record<symbol, unknown>,
  fields: object,
  message: unknown,
  level: number,
  time: string,
): string {
  const { lsCacheSym, chindingsSym, endSym } = pino.symbols;
  const json = JSON.stringify(fields);
  const levelPart = (this[lsCacheSym] as Record<number, string | undefined>)[level] ?? `{"level":${level}`;
  return (
    levelPart +
    time +
    (this[chindingsSym] as string) +
    (json.length > 2 ? `,${json.slice(1, -1)}` : '') +
    (message === undefined ? '' : `,"msg":${JSON.stringify(message)}`) +
    (this[endSym] as string)
  );
}

/** The scrubber of a logger made by createLogger (children share it), to register more secret values. */
export function scrubberOf(logger: object): LogScrubber | undefined {
  return (logger as { [kScrubber]?: LogScrubber })[kScrubber];
}

/** `LOG_LEVEL`, or LiteLLM's `LITELLM_LOG` (`DEBUG`, `INFO`, ...). */
export function levelFromEnv(env: Readonly<Record<string, string | undefined>>): string {
  const asked = (env.LOG_LEVEL ?? env.LITELLM_LOG ?? 'info').trim().toLowerCase();
  const level = asked === 'warning' ? 'warn' : asked === 'critical' ? 'fatal' : asked;
  return levels.has(level) ? level : 'info';
}

function clampLevel(level: string, production: boolean): string {
  return production && (level === 'debug' || level === 'trace') ? 'info' : level;
}
