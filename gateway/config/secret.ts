import { readFileSync } from 'node:fs';

/** A credential whose value may change while the gateway runs (a Secret mounted as a file). */
export interface Secret {
  value(): string;
}

export const filePrefix = 'file:';
const rereadAfterMs = 5_000;

export function constantSecret(value: string): Secret {
  return { value: () => value };
}

/**
 * Reads the file at most every few seconds: Kubernetes swaps a mounted Secret's files atomically, so a
 * rotated key is picked up without a restart and the hot path does no I/O.
 */
export function fileSecret(path: string, now: () => number = Date.now): Secret {
  let cached = readSecretFile(path);
  let readAt = now();
  return {
    value() {
      if (now() - readAt >= rereadAfterMs) {
        readAt = now();
        try {
          cached = readSecretFile(path);
        } catch {
          // Keep the last good value while the file is being swapped or briefly missing.
        }
      }
      return cached;
    },
  };
}

function readSecretFile(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

export function secretFrom(value: string): Secret {
  return value.startsWith(filePrefix) ? fileSecret(value.slice(filePrefix.length)) : constantSecret(value);
}
