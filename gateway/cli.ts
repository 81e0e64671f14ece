#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildGateway } from './app.ts';
import { loadConfigFile, loadConfigText, type GatewayConfig } from './config/load.ts';
import { demoConfigText } from './config/demo-config.ts';
import { isProduction, operationsFromEnv } from './config/operations.ts';
import { ConfigError, formatProblem } from './config/problems.ts';
import { reloadOnChange } from './config/reload.ts';
import { firstValidConfig } from './config/watch.ts';
import { openServeDatabase, runMigrate, startDatabase } from './db/cli-database.ts';
import { Lifecycle } from './observability/lifecycle.ts';
import { createLogger } from './observability/logger.ts';
import { createProviderRegistry } from './providers/registry.ts';
import { longestRequestMs, serve, serveUntilConfigured } from './server.ts';

const usage = `usage:
  switchyard-gateway [serve] [--config FILE] [--port 4000] [--host 0.0.0.0] [--max_requests_before_restart N]
  switchyard-gateway check-config FILE [--strict]
  switchyard-gateway migrate [--config FILE]     (database from DATABASE_URL or general_settings.database_url)`;

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv[0]?.startsWith('-') === true ? ['serve', ...argv] : argv;
  switch (command) {
    case 'serve':
      return runServe(rest);
    case 'check-config':
      return runCheckConfig(rest);
    case 'migrate':
      return runMigrate(rest, createLogger());
    default:
      process.stderr.write(`unknown command "${command}"\n${usage}\n`);
      return 2;
  }
}

async function runServe(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      max_requests_before_restart: { type: 'string' },
    },
  });
  // Development reads a .env file; production mode takes its environment only from the pod spec.
  if (!isProduction(process.env) && existsSync('.env')) process.loadEnvFile('.env');
  const restartAfter = values.max_requests_before_restart;
  const operations = operationsFromEnv({
    ...process.env,
    ...(restartAfter === undefined ? {} : { MAX_REQUESTS_BEFORE_RESTART: restartAfter }),
  });
  const logger = createLogger({ production: operations.production });
  const lifecycle = new Lifecycle();
  const host = values.host ?? process.env.HOST ?? '0.0.0.0';
  const port = Number(values.port ?? process.env.PORT ?? 4000);
  const configPath = values.config ?? process.env.CONFIG_FILE_PATH;
  let config: GatewayConfig;
  try {
    config =
      configPath === undefined
        ? loadConfigText(demoConfigText(process.env), { registry: createProviderRegistry() })
        : await loadConfigFile(configPath, { registry: createProviderRegistry() });
  } catch (error) {
    if (!(error instanceof ConfigError) || configPath === undefined) throw error;
    for (const problem of error.problems) logger.error({ path: problem.path }, formatProblem(problem));
    // Stay up and unready (not crash-looping) until the mounted file is fixed.
    lifecycle.waitForConfig(
      `config not loaded: ${error.problems.length} problem(s) in ${configPath}, see the log`,
    );
    logger.error('no valid config: readiness fails until the file is fixed');
    const loaded = await serveUntilConfigured({
      host,
      port,
      operations,
      lifecycle,
      logger,
      config: firstValidConfig({
        path: configPath,
        intervalMs: operations.configPollMs,
        load: (text) => loadConfigText(text, { registry: createProviderRegistry() }),
        onInvalid: (invalid) => {
          for (const problem of invalid.problems)
            logger.error({ path: problem.path }, formatProblem(problem));
        },
      }),
    });
    if (loaded === undefined) return 0;
    lifecycle.configLoaded();
    config = loaded;
  }
  for (const problem of config.problems) logger.warn({ path: problem.path }, formatProblem(problem));
  if (config.masterKey === undefined) {
    if (operations.production) {
      logger.error(
        'no master key: set general_settings.master_key or SWITCHYARD_MASTER_KEY (required in production)',
      );
      return 1;
    }
    logger.warn(
      'no master key configured: every request is allowed (set SWITCHYARD_MASTER_KEY outside development)',
    );
  }
  logger.info(
    {
      source: configPath ?? 'built-in demo config',
      models: config.deployments.length,
      version: config.version,
    },
    'config loaded',
  );
  const database = await openServeDatabase(config, logger);
  const gateway = buildGateway({
    config,
    logger,
    operations,
    lifecycle,
    ...(database === undefined ? {} : { database }),
  });
  if (database !== undefined) {
    // Unready until the stored models are read, so a new pod never answers "unknown model" for one of them.
    lifecycle.waitForConfig('reading the models stored in the database');
    void gateway.servedModels.whenRead().then(() => {
      lifecycle.configLoaded();
    });
  }
  startDatabase(database, gateway.app, logger);
  await serve(gateway, {
    host,
    port,
    operations,
    drainTimeoutMs: () => operations.drainTimeoutMs || longestRequestMs(gateway.currentConfig()),
  });
  if (configPath !== undefined) {
    reloadOnChange(gateway, {
      path: configPath,
      intervalMs: operations.configPollMs,
      registry: createProviderRegistry(),
      logger,
    });
  }
  return -1;
}

async function runCheckConfig(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { strict: { type: 'boolean' } },
  });
  const file = positionals[0];
  if (file === undefined) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  try {
    const config = await loadConfigFile(file, { registry: createProviderRegistry() });
    for (const problem of config.problems) process.stdout.write(`${formatProblem(problem)}\n`);
    const groups = new Set(config.deployments.map((deployment) => deployment.modelName)).size;
    process.stdout.write(
      `ok: ${config.deployments.length} deployments in ${groups} model groups can be served\n`,
    );
    return values.strict === true && config.problems.length > 0 ? 1 : 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stdout.write(`${formatProblem(problem)}\n`);
    process.stdout.write('invalid: nothing can be served\n');
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
