import type { Logger } from 'pino';
import type { Gateway } from '../app.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import { loadConfigText } from './load.ts';
import { formatProblem } from './problems.ts';
import { watchConfig, type ConfigWatcher } from './watch.ts';

export interface ReloadOptions {
  readonly path: string;
  readonly intervalMs: number;
  readonly registry: ProviderRegistry;
  readonly logger: Logger;
}

/**
 * Hot reload: a changed, valid file swaps the gateway's router, still serving the models stored through the API
 * (gateway/config/served-models.ts; in-flight requests finish on the old router);
 * an invalid file keeps the old config, logs every problem and sets `switchyard_config_last_reload_successful`
 * to 0. Stops when the gateway drains.
 */
export function reloadOnChange(gateway: Gateway, options: ReloadOptions): ConfigWatcher {
  const { logger } = options;
  const watcher = watchConfig({
    path: options.path,
    intervalMs: options.intervalMs,
    // A config served with a credential file missing is read again until the file is there.
    currentVersion: gateway.currentConfig().problems.some((problem) => problem.unreadableFile !== undefined)
      ? undefined
      : gateway.currentConfig().version,
    load: (text) => loadConfigText(text, { registry: options.registry }),
    onValid(config) {
      const previous = gateway.currentConfig();
      for (const problem of config.problems) logger.warn({ path: problem.path }, formatProblem(problem));
      if (config.masterKey !== previous.masterKey) {
        logger.warn('master_key changed in the config file: it takes effect at the next restart');
      }
      gateway.reload(config);
      gateway.metrics.recordReload(true);
      logger.info(
        {
          version: config.version,
          previous: previous.version,
          models: config.deployments.length,
          served: gateway.currentConfig().deployments.length,
        },
        'config reloaded',
      );
    },
    onInvalid(error) {
      for (const problem of error.problems) logger.error({ path: problem.path }, formatProblem(problem));
      gateway.metrics.recordReload(false);
      logger.error(
        { version: gateway.currentConfig().version },
        'config file changed but is invalid; keeping the config in use',
      );
    },
  });
  gateway.lifecycle.onDrain(() => {
    watcher.close();
  });
  return watcher;
}
