import { chatBody, streamBody, upstreamPaths, type UpstreamPath } from '../canned.ts';

/** One request to send: where, with which headers, and which body. */
export interface Target {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A server under test (or the upstream itself), up and verified. */
export interface Contender {
  /** Short name for `BENCH_CONTENDERS`. */
  readonly id: ContenderId;
  readonly name: string;
  /** The same three upstream answers (JSON, stream, held stream) through this contender. */
  readonly targets: Readonly<Record<UpstreamPath, Target>>;
  /** The server process, whose CPU time and peak memory are measured; none for the upstream itself. */
  readonly pid?: number;
  stop(): Promise<void>;
}

/** A contender that could not be installed or started here, and why. */
export interface Unavailable {
  readonly id: ContenderId;
  readonly name: string;
  readonly unavailable: string;
}

export const contenderIds = [
  'direct',
  'passthrough',
  'master',
  'virtual',
  'full',
  'portkey',
  'litellm',
] as const;
export type ContenderId = (typeof contenderIds)[number];

export const isAvailable = (entry: Contender | Unavailable): entry is Contender => !('unavailable' in entry);

export const chatPath = '/v1/chat/completions';
export const bodyFor = (kind: UpstreamPath) =>
  kind === 'json' ? chatBody : streamBody(upstreamPaths[kind].model);

/** The three targets of a contender, one per upstream answer. */
export function targets(make: (kind: UpstreamPath) => Target): Record<UpstreamPath, Target> {
  return { json: make('json'), stream: make('stream'), held: make('held') };
}

/** A server that keeps the path it is sent (nginx, the pass-through): each answer under its own prefix. */
export function targetsByPath(
  base: string,
  headers: Record<string, string> = {},
): Record<UpstreamPath, Target> {
  return targets((kind) => ({
    url: `${base}${upstreamPaths[kind].prefix}${chatPath}`,
    headers,
    body: bodyFor(kind),
  }));
}

/** A gateway that routes by model name (Switchyard, LiteLLM): one URL, each answer behind its own model. */
export function targetsByModel(base: string, headers: Record<string, string>): Record<UpstreamPath, Target> {
  return targets((kind) => ({ url: `${base}${chatPath}`, headers, body: bodyFor(kind) }));
}

/** The `model_list` both Switchyard and LiteLLM read: the three upstream answers as three models. */
export function liteLLMModelList(upstreamUrl: string): string {
  const entries = Object.values(upstreamPaths).map(
    ({ prefix, model }) =>
      `  - model_name: ${model}\n    litellm_params: { model: openai/gpt-4o-mini, api_base: "${upstreamUrl}${prefix}/v1", api_key: sk-upstream }\n`,
  );
  return `model_list:\n${entries.join('')}`;
}
