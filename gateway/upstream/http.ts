import { readFileSync } from 'node:fs';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { ClientAbortError, ProviderError } from './errors.ts';
import { UpstreamResponseHandler, type UpstreamResponse } from './response-handler.ts';

export type { UpstreamResponse } from './response-handler.ts';

/** TLS choices of one deployment: `ssl_verify: false`, or a CA bundle for a private endpoint. */
export interface TlsSettings {
  readonly verify: boolean;
  readonly caFile: string | undefined;
}

export interface UpstreamRequest {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
  readonly tls: TlsSettings;
  /** Longest silence allowed between two body chunks once the response started. */
  readonly idleTimeoutMs: number;
}

interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

/** `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` (either case), or undefined when no proxy is set. */
function proxySettings(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const read = (name: string) => {
    const value = env[name] ?? env[name.toLowerCase()];
    return value === undefined || value === '' ? undefined : value;
  };
  const [httpProxy, httpsProxy, noProxy] = [read('HTTP_PROXY'), read('HTTPS_PROXY'), read('NO_PROXY')];
  if (httpProxy === undefined && httpsProxy === undefined) return undefined;
  return {
    ...(httpProxy === undefined ? {} : { httpProxy }),
    ...(httpsProxy === undefined ? {} : { httpsProxy }),
    ...(noProxy === undefined ? {} : { noProxy }),
  };
}

interface ParsedUrl {
  readonly origin: string;
  /** The path with its query. */
  readonly path: string;
  readonly host: string;
}

/**
 * Keep-alive connection pools to every upstream origin (undici's Agent holds one Pool per origin),
 * one dispatcher per distinct TLS setting, going through `HTTPS_PROXY`/`HTTP_PROXY` unless `NO_PROXY` says not.
 */
export class UpstreamHttp {
  readonly #dispatchers = new Map<string, Dispatcher>();
  /** The same settings object comes with every call to a deployment (tlsOf is computed once per deployment). */
  #byTls = new WeakMap<TlsSettings, Dispatcher>();
  readonly #urls = new Map<string, ParsedUrl>();
  readonly #connectionsPerOrigin: number | null;
  readonly #proxy: ProxySettings | undefined;

  /** `connectionsPerOrigin`: null for no bound. */
  constructor(options: { connectionsPerOrigin?: number | null; env?: NodeJS.ProcessEnv } = {}) {
    this.#connectionsPerOrigin = options.connectionsPerOrigin ?? 1000;
    this.#proxy = proxySettings(options.env ?? process.env);
  }

  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    const url = this.#parse(request.url);
    try {
      const handler = new UpstreamResponseHandler(request.signal);
      this.#dispatcher(request.tls).dispatch(
        {
          origin: url.origin,
          path: url.path,
          method: request.method ?? 'POST',
          headers: request.headers,
          body: request.body ?? null,
          headersTimeout: 0,
          bodyTimeout: request.idleTimeoutMs,
        },
        handler,
      );
      return await handler.response;
    } catch (error) {
      throw networkFailure(error, request.signal, url.host);
    }
  }

  /** Deployment URLs repeat, so each is parsed once (a URL's getters build their strings on every read). */
  #parse(url: string): ParsedUrl {
    let parsed = this.#urls.get(url);
    if (parsed === undefined) {
      const { origin, pathname, search, host } = new URL(url);
      parsed = { origin, path: pathname + search, host };
      if (this.#urls.size > 10_000) this.#urls.clear();
      this.#urls.set(url, parsed);
    }
    return parsed;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#dispatchers.values()].map((dispatcher) => dispatcher.close()));
    this.#dispatchers.clear();
    this.#byTls = new WeakMap();
  }

  #dispatcher(tls: TlsSettings): Dispatcher {
    const known = this.#byTls.get(tls);
    if (known !== undefined) return known;
    const key = `${tls.verify}|${tls.caFile ?? ''}`;
    let dispatcher = this.#dispatchers.get(key);
    if (dispatcher === undefined) {
      const connect = {
        rejectUnauthorized: tls.verify,
        ...(tls.caFile === undefined ? {} : { ca: readFileSync(tls.caFile, 'utf8') }),
      };
      const options = {
        connections: this.#connectionsPerOrigin,
        keepAliveTimeout: 30_000,
        // An upstream's own `Keep-Alive: timeout=` may shorten that, never lengthen it: idle sockets close.
        keepAliveMaxTimeout: 30_000,
        connect,
      };
      dispatcher =
        this.#proxy === undefined
          ? new Agent(options)
          : new EnvHttpProxyAgent({ ...options, ...this.#proxy, requestTls: connect });
      this.#dispatchers.set(key, dispatcher);
    }
    this.#byTls.set(tls, dispatcher);
    return dispatcher;
  }
}

/** Turns an aborted or failed call into what the router acts on. */
export function networkFailure(error: unknown, signal: AbortSignal, host: string): Error {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof ClientAbortError) return reason;
    return new ProviderError('timeout', `no answer from ${host} in time`, { status: 504 });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return new ProviderError('timeout', `${host} stopped answering (${code})`, { status: 504 });
  }
  const detail = typeof code === 'string' ? code : error instanceof Error ? error.message : 'unknown error';
  return new ProviderError('internal', `cannot reach ${host}: ${detail}`);
}
