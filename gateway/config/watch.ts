import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { GatewayConfig } from './load.ts';
import { ConfigError, type ConfigProblem } from './problems.ts';

export interface WatchOptions {
  readonly path: string;
  readonly intervalMs: number;
  /** Validates a file's text; throws ConfigError when nothing can be served. */
  readonly load: (text: string) => GatewayConfig;
  /** The version (`GatewayConfig.version`) already served, so an unchanged file is not reloaded. */
  readonly currentVersion: string | undefined;
  readonly onValid: (config: GatewayConfig) => void;
  readonly onInvalid: (error: ConfigError) => void;
}

export interface ConfigWatcher {
  /** Reads the file now; resolves when any change it found was handled. */
  check(): Promise<void>;
  close(): void;
}

const settleMs = 100;

/** Same digest as `GatewayConfig.version`. */
export function versionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * Watches a config file for content changes. A mounted ConfigMap changes by swapping a symlink in the
 * file's directory (`..data`), which a watch on the file itself misses: so the directory is watched (to
 * react within a moment) and the file is read on an interval as well (for filesystems without events),
 * and only a different content hash counts. Each distinct content is validated once, so an invalid file
 * is reported once, not on every poll.
 */
export function watchConfig(options: WatchOptions): ConfigWatcher {
  let seen = options.currentVersion;
  let running: Promise<void> | undefined;
  // Set by a check() that arrives while one runs: the running one reads the file once more.
  const pending = { again: false };
  const runAgain = () => pending.again;
  let closed = false;

  const readOnce = async () => {
    let text: string;
    try {
      text = await readFile(options.path, 'utf8');
    } catch {
      // Mid-swap the path can vanish for a moment; the next event or poll reads it again.
      return;
    }
    const version = versionOf(text);
    if (version === seen || closed) return;
    let config: GatewayConfig;
    try {
      config = options.load(text);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      if (!alreadyReported(version, error.problems)) options.onInvalid(error);
      return;
    }
    if (!alreadyReported(version, config.problems)) options.onValid(config);
  };

  // The kubelet updates volumes in no set order: a config can arrive before a credential file it names. Such
  // a content is loaded again at every check until the files are all there, and applied each time what could
  // be read changes. True when this outcome was already reported.
  let lastOutcome: string | undefined;
  const alreadyReported = (version: string, problems: readonly ConfigProblem[]): boolean => {
    const missing = problems.flatMap((problem) => problem.unreadableFile ?? []).sort();
    if (missing.length === 0) seen = version;
    const outcome = `${version}\0${missing.join('\0')}`;
    if (outcome === lastOutcome) return true;
    lastOutcome = outcome;
    return false;
  };

  const check = (): Promise<void> => {
    if (running !== undefined) {
      pending.again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          pending.again = false;
          await readOnce();
        } while (runAgain());
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const onError = (error: unknown) => {
    // A check must never take the process down; the next poll tries again.
    process.emitWarning(`config watch: ${error instanceof Error ? error.message : String(error)}`);
  };
  const timer = setInterval(() => {
    check().catch(onError);
  }, options.intervalMs);
  timer.unref();

  let settle: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    const file = basename(options.path);
    watcher = watch(dirname(options.path), { persistent: false }, (_event, name) => {
      if (name !== null && name !== file && !name.startsWith('..')) return;
      clearTimeout(settle);
      settle = setTimeout(() => {
        check().catch(onError);
      }, settleMs);
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined; // polling alone still works
  }

  return {
    check,
    close() {
      closed = true;
      clearInterval(timer);
      clearTimeout(settle);
      watcher?.close();
    },
  };
}

/** Resolves with the first valid content of the file (read now, then on every change). */
export function firstValidConfig(
  options: Omit<WatchOptions, 'onValid' | 'currentVersion'>,
): Promise<GatewayConfig> {
  return new Promise((resolve) => {
    const watcher = watchConfig({
      ...options,
      currentVersion: undefined,
      onValid(config) {
        watcher.close();
        resolve(config);
      },
    });
    watcher.check().catch(() => undefined);
  });
}
