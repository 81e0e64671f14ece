import type { Logger } from 'pino';
import { reasonOf } from '../db/health.ts';
import type { StoredEntry, UnreadableModel } from '../db/stored-models.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Deployment } from '../providers/types.ts';
import { deploymentsOf, type GatewayConfig } from './load.ts';
import { formatPath, formatProblem, type ConfigProblem } from './problems.ts';
import type { ModelEntry } from './schema.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The served model set; the model management routes refresh it after their own writes. */
    servedModels: ServedModels;
  }
}

/** Where the stored models come from (gateway/db/stored-models.ts). */
export interface StoredModelSource {
  /** Changes whenever the stored set does; undefined while the database is not ready yet. */
  signature(): Promise<string | undefined>;
  entries(): Promise<{ entries: readonly StoredEntry[]; unreadable: readonly UnreadableModel[] }>;
}

export interface ServedModelsOptions {
  readonly file: GatewayConfig;
  readonly registry: ProviderRegistry;
  readonly logger: Logger;
  /** Swaps the router to this config (in-flight requests finish on the old one). */
  readonly serve: (config: GatewayConfig) => void;
  /** None without a database: the file alone is served. */
  readonly source?: StoredModelSource;
  /** How often other pods' changes are looked for. */
  readonly pollMs: number;
}

/** While the database is not ready: `signature()` answers without a query then. */
const startRetryMs = 50;
const referencePrefixes = ['os.environ/', 'file:'];

/**
 * The served model set: the config file's deployments plus the models stored through the API, rebuilt when
 * either changes (a file reload keeps the stored models, a stored change keeps the file's). This pod
 * re-reads the table right after its own add or delete; other pods' changes arrive by polling a cheap
 * signature of the table, the entries read (and decrypted) only when it changed. The request path never
 * touches the database: each change builds a new router.
 */
export class ServedModels {
  readonly #options: ServedModelsOptions;
  #file: GatewayConfig;
  #stored: readonly Deployment[] = [];
  #servedStored: ReadonlySet<string> = new Set();
  #signature: string | undefined;
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #failing = false;
  readonly #read: Promise<void>;
  #markRead: () => void = () => undefined;

  constructor(options: ServedModelsOptions) {
    this.#options = options;
    this.#file = options.file;
    this.#read = new Promise((resolve) => {
      this.#markRead = resolve;
    });
    if (options.source === undefined) this.#markRead();
  }

  /** Resolves once the stored models have been read (at once without a database, or when closed). */
  whenRead(): Promise<void> {
    return this.#read;
  }

  /** The config file as last loaded (without the stored models). */
  get file(): GatewayConfig {
    return this.#file;
  }

  /** Whether the deployment with this id is served from the database (not the config file). */
  isStored(id: string): boolean {
    return this.#servedStored.has(id);
  }

  /** The file changed: serve it with the stored models already read. */
  setFile(config: GatewayConfig): void {
    this.#file = config;
    this.#serve();
  }

  /** Reads the stored models now (after this pod's own add or delete); resolves once they are served. */
  refresh(): Promise<void> {
    return this.#enqueue(true);
  }

  /** Why a new model could not be served, as `{param, message}`, or undefined when it can. */
  check(entry: ModelEntry): { param: string; message: string } | undefined {
    const reference = referenceIn(entry.litellm_params, ['litellm_params']);
    if (reference !== undefined)
      return {
        param: reference,
        message: `${reference}: a stored model holds values, not references (os.environ/, file:); put references in the config file`,
      };
    const id = entry.model_info?.id;
    if (id !== undefined && this.#file.deployments.some((deployment) => deployment.id === id))
      return { param: 'model_info.id', message: `model_info.id "${id}" is a deployment of the config file` };
    const problems: ConfigProblem[] = [];
    deploymentsOf([entry], this.#options.registry, problems, () => ['(body)']);
    const error = problems.find((problem) => problem.severity === 'error');
    if (error === undefined) return undefined;
    const param = error.path.replace(/^\(body\)\.?/, '');
    return { param, message: `${param}: ${error.message.replace(/; deployment skipped$/, '')}` };
  }

  /** Polls for other pods' changes; the first read is at once. */
  start(): void {
    if (this.#options.source === undefined || this.#closed || this.#timer !== undefined) return;
    this.#schedule(0);
  }

  /** Stops polling and waits for a read in flight, so the database can close after. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#markRead();
    await this.#chain;
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => void this.#tick(), ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const { logger, pollMs } = this.#options;
    try {
      await this.#enqueue(false);
      if (this.#failing) logger.info('stored models can be read again');
      this.#failing = false;
    } catch (error) {
      if (!this.#failing)
        logger.warn(
          { reason: reasonOf(error) },
          'cannot read the stored models; serving the ones read before, retrying',
        );
      this.#failing = true;
    }
    if (this.#closed) return;
    this.#schedule(this.#signature === undefined ? Math.min(pollMs, startRetryMs) : pollMs);
  }

  #enqueue(force: boolean): Promise<void> {
    const run = this.#chain.then(() => this.#sync(force));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #sync(force: boolean): Promise<void> {
    const { source, logger, registry } = this.#options;
    if (source === undefined || this.#closed) return;
    const signature = await source.signature();
    if (signature === undefined || (!force && signature === this.#signature)) return;
    const { entries, unreadable } = await source.entries();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may run during the read
    if (this.#closed) return;
    this.#signature = signature;
    for (const model of unreadable)
      logger.error(
        { model_id: model.id, model_name: model.modelName },
        `stored model "${model.modelName}" (${model.id}) is not served: ${model.reason}`,
      );
    const problems: ConfigProblem[] = [];
    this.#stored = storedDeployments(entries, registry, problems);
    for (const problem of problems) logger.warn({ path: problem.path }, formatProblem(problem));
    const served = this.#serve();
    this.#markRead();
    logger.info(
      { stored: this.#servedStored.size, unreadable: unreadable.length, models: served.deployments.length },
      'stored models read',
    );
  }

  #serve(): GatewayConfig {
    const { config, shadowed } = mergeServed(this.#file, this.#stored);
    for (const deployment of shadowed)
      this.#options.logger.warn(
        { model_id: deployment.id, model_name: deployment.modelName },
        `stored model "${deployment.modelName}" is not served: the config file has a deployment with id "${deployment.id}", and the config wins`,
      );
    const fileIds = new Set(this.#file.deployments.map((deployment) => deployment.id));
    this.#servedStored = new Set(
      this.#stored.filter((deployment) => !fileIds.has(deployment.id)).map((deployment) => deployment.id),
    );
    this.#options.serve(config);
    return config;
  }
}

/**
 * The config a router serves: the file's deployments, then the stored ones whose id the file does not use
 * (those are returned as `shadowed`). With nothing stored it is the file's config itself.
 */
export function mergeServed(
  file: GatewayConfig,
  stored: readonly Deployment[],
): { config: GatewayConfig; shadowed: Deployment[] } {
  if (stored.length === 0) return { config: file, shadowed: [] };
  const fileIds = new Set(file.deployments.map((deployment) => deployment.id));
  const shadowed = stored.filter((deployment) => fileIds.has(deployment.id));
  const kept = stored.filter((deployment) => !fileIds.has(deployment.id));
  return { config: { ...file, deployments: [...file.deployments, ...kept] }, shadowed };
}

/**
 * Deployments of stored entries, built as the file's are (gateway/config/load.ts), each named by its id in
 * problems. References are refused: a stored value is sent as it is, never read from the pod's environment
 * or files.
 */
export function storedDeployments(
  entries: readonly StoredEntry[],
  registry: ProviderRegistry,
  problems: ConfigProblem[],
): Deployment[] {
  const label = (id: string) => `stored model "${id}"`;
  const literal = entries.filter(({ id, entry }) => {
    const reference = referenceIn(entry.litellm_params, [label(id), 'litellm_params']);
    if (reference === undefined) return true;
    problems.push({
      path: reference,
      message: 'stored models hold values, not references (os.environ/, file:); deployment skipped',
      severity: 'error',
    });
    return false;
  });
  return deploymentsOf(
    literal.map(({ entry }) => entry),
    registry,
    problems,
    (index) => [label(literal[index]?.id ?? String(index))],
  );
}

/** The path of the first `os.environ/` or `file:` string in a value, if any. */
function referenceIn(value: unknown, path: readonly PropertyKey[]): string | undefined {
  if (typeof value === 'string')
    return referencePrefixes.some((prefix) => value.startsWith(prefix)) ? formatPath(path) : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = referenceIn(item, [...path, Array.isArray(value) ? Number(key) : key]);
    if (found !== undefined) return found;
  }
  return undefined;
}
