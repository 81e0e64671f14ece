import { scrubSecrets } from '../errors.ts';

const minimumLength = 8;
const refreshMs = 5_000;

/** Shapes a secret has wherever it appears: key prefixes, URL credentials, `key=` query values, bearer tokens. */
const shapes = /(\/\/[^/\s:@"]+:)[^@\s/"]+@|([?&](?:api[_-]?)?key=)[^&\s"]+|(\bbearer\s+)[\w.~+/=-]{8,}/gi;

/**
 * The last line of defence behind pino's path redaction: every serialized log line is scanned for secret
 * shapes and for the exact values of the secrets this process knows (master key, provider keys, secret
 * environment variables), so a secret echoed inside an upstream's error message is caught as well. The
 * known values are read again at most every few seconds (file-mounted secrets rotate).
 */
export class LogScrubber {
  readonly #sources: (() => Iterable<string>)[] = [];
  #known: readonly string[] = [];
  #builtAt = -Infinity;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A source of secret values, read again every few seconds. */
  addSource(source: () => Iterable<string>): void {
    this.#sources.push(source);
    this.#builtAt = -Infinity;
  }

  scrub(line: string): string {
    let scrubbed = mayHoldShape(line) ? scrubSecrets(line.replace(shapes, hideShape)) : line;
    // Longest first, so a value that holds a shorter one is hidden whole.
    for (const value of this.#knownValues())
      if (scrubbed.includes(value)) scrubbed = scrubbed.replaceAll(value, '[redacted]');
    return scrubbed;
  }

  #knownValues(): readonly string[] {
    const now = this.#now();
    if (now - this.#builtAt < refreshMs) return this.#known;
    this.#builtAt = now;
    const values = new Set<string>();
    for (const source of this.#sources) {
      try {
        for (const value of source()) if (value.length >= minimumLength) values.add(value);
      } catch {
        // An unreadable secret file: its value cannot be in a line either.
      }
    }
    this.#known = [...values].sort((a, b) => b.length - a.length);
    return this.#known;
  }
}

/**
 * Whether a line has what every secret shape needs (`@` of URL credentials, `=` of a key query value, the
 * word bearer, the `k-`/`y-` of `sk-`, `pk-`, `rk-`, `key-`): most lines have none, and the literal searches
 * cost a fraction of the shape expressions' scans.
 */
function mayHoldShape(line: string): boolean {
  return (
    line.includes('@') ||
    line.includes('=') ||
    line.includes('k-') ||
    line.includes('y-') ||
    /bearer/i.test(line)
  );
}

function hideShape(_match: string, user?: string, query?: string, bearer?: string): string {
  return user === undefined ? `${query ?? bearer ?? ''}***` : `${user}***@`;
}

/** The master key and every deployment credential of a config. */
export function configSecrets(config: {
  readonly masterKey: string | undefined;
  readonly deployments: readonly { readonly credentials: ReadonlyMap<string, { value(): string }> }[];
}): string[] {
  const values = config.masterKey === undefined ? [] : [config.masterKey];
  for (const deployment of config.deployments)
    for (const secret of deployment.credentials.values()) values.push(secret.value());
  return values;
}

const secretEnvName = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|DATABASE_URL|REDIS_URL)$/i;

/** Values of environment variables whose names say they are secrets (`*_API_KEY`, `*_PASSWORD`, ...). */
export function secretEnvValues(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env).flatMap(([name, value]) =>
    value !== undefined && secretEnvName.test(name) ? [value] : [],
  );
}
