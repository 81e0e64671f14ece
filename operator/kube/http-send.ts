import type { Agent, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { http, https } from './node-http.ts';

export interface SendOptions {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
  /** A node keep-alive agent (kube-connection.ts makes one per TLS identity). */
  readonly agent?: Agent;
  /** An undici dispatcher, from client-node's KubeConfig (exec plugins, proxies …) only. */
  readonly dispatcher?: Dispatcher;
  /** Fail when the connection is silent this long (undici's default header and body timeouts). */
  readonly idleTimeoutMs?: number;
}

export interface Sent {
  readonly status: number;
  readonly statusText: string;
  readonly body: Readable;
}

const defaultIdleTimeoutMs = 300_000;

/**
 * One HTTP request over node's own http/https. undici (fetch, its Agent) was ~14 MB of the operator's RSS
 * (its llhttp build in WebAssembly, compiled at the first request, and ~3 MB more heap), for what node's
 * http client, built into the binary, does here too. A dispatcher from client-node's KubeConfig still
 * goes through undici, loaded then.
 */
export async function send(url: URL, options: SendOptions): Promise<Sent> {
  if (options.dispatcher !== undefined) return sendWithUndici(url, options, options.dispatcher);
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<Sent>((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: options.method,
        headers: options.headers,
        ...(options.agent !== undefined ? { agent: options.agent } : {}),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      },
      (response: IncomingMessage) => {
        resolve({
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          body: response,
        });
      },
    );
    outgoing.setTimeout(options.idleTimeoutMs ?? defaultIdleTimeoutMs, () => {
      outgoing.destroy(Object.assign(new Error('the apiserver went silent'), { name: 'TimeoutError' }));
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

async function sendWithUndici(url: URL, options: SendOptions, dispatcher: Dispatcher): Promise<Sent> {
  const { request } = await import('undici');
  const response = await request(url, {
    method: options.method,
    headers: options.headers,
    dispatcher,
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
  return { status: response.statusCode, statusText: '', body: response.body };
}

/**
 * A response body as text, decoded chunk by chunk: each chunk's Buffer is garbage at once, instead of being
 * kept until the body is in. A Buffer's memory is malloc'ed outside V8's heap and freed only when V8
 * collects it, and Buffers kept across the awaits of a read were promoted to the old generation, where
 * their memory stayed until the next full collection.
 */
export async function readText(body: Readable): Promise<string> {
  body.setEncoding('utf8');
  let text = '';
  for await (const chunk of body) text += chunk as string;
  return text;
}
