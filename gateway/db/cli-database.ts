import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { loadConfigFile } from '../config/load.ts';
import { ConfigError, formatProblem } from '../config/problems.ts';
import type { GeneralSettings } from '../config/schema.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { Database } from './database.ts';
import { migrate } from './migrate.ts';
import { databaseSettingsOf } from './settings.ts';

/**
 * The database `serve` runs on, or none without a master key (every request is allowed then: there is nothing
 * for virtual keys to guard). No URL means the embedded store under the data folder.
 */
export async function openServeDatabase(
  config: { readonly generalSettings: GeneralSettings; readonly masterKey: string | undefined },
  logger: Logger,
): Promise<Database | undefined> {
  if (config.masterKey === undefined) return undefined;
  return Database.open(databaseSettingsOf(config.generalSettings, process.env), logger);
}

/**
 * Prepares the schema in the background while the server listens (readiness waits for the database's first
 * answer). Code too old for the schema must not serve: it logs why and exits 1.
 */
export function startDatabase(database: Database | undefined, app: FastifyInstance, logger: Logger): void {
  if (database === undefined) return;
  database.start().then(
    (result) => {
      if (result === undefined) return; // closed before it was ready
      logger.info({ schemaLevel: result.schemaLevel, minCodeLevel: result.minCodeLevel }, 'database ready');
    },
    (error: unknown) => {
      logger.fatal({ reason: (error as Error).message }, 'cannot run on this database');
      void app.close().finally(() => process.exit(1));
    },
  );
}

/** `switchyard-gateway migrate [--config FILE]`: applies pending migrations (safe to run from many places at once). */
export async function runMigrate(args: readonly string[], logger: Logger): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { config: { type: 'string' } } });
  let general: GeneralSettings = {};
  const configPath = values.config ?? process.env.CONFIG_FILE_PATH;
  if (configPath !== undefined) {
    try {
      general = (await loadConfigFile(configPath, { registry: createProviderRegistry() })).generalSettings;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) logger.error({ path: problem.path }, formatProblem(problem));
      return 1;
    }
  }
  const database = await Database.open(databaseSettingsOf(general, process.env), logger);
  try {
    const result = await migrate(database.pool);
    logger.info(
      { applied: result.applied, schemaLevel: result.schemaLevel, minCodeLevel: result.minCodeLevel },
      result.applied.length === 0 ? 'database schema is up to date' : 'database migrated',
    );
    return 0;
  } catch (error) {
    logger.error({ reason: (error as Error).message }, 'migration failed');
    return 1;
  } finally {
    await database.close();
  }
}
