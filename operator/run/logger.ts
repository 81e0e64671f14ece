import { pino, type Logger } from 'pino';

/**
 * The operator's one logger. It never logs objects' data, but Secrets pass through its hands, so every
 * path where a value could sit is blanked anyway.
 */
export const redactedPaths = [
  'data',
  'stringData',
  '*.data',
  '*.stringData',
  'key',
  '*.key',
  'token',
  '*.token',
  'headers.authorization',
  '*.headers.authorization',
];

const levels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level: levels.has(level) ? level : 'info',
    base: { component: 'switchyard-operator' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
