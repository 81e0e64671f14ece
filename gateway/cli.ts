#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { buildGateway } from './app.ts';
import { loadConfigFile, loadConfigText, type GatewayConfig } from './config/load.ts';
import { demoConfigText } from './config/demo-config.ts';
import { ConfigError, formatProblem } from './config/problems.ts';
import { createLogger } from './observability/logger.ts';
import { createProviderRegistry } from './providers/registry.ts';
import { serve } from './server.ts';

const usage = `usage:
  switchyard-gateway [serve] [--config FILE] [--port 4000] [--host 0.0.0.0]
  switchyard-gateway check-config FILE [--strict]`;

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv[0]?.startsWith('-') === true ? ['serve', ...argv] : argv;
  switch (command) {
    case 'serve':
      return runServe(rest);
    case 'check-config':
      return runCheckConfig(rest);
    default:
      process.stderr.write(`unknown command "${command}"\n${usage}\n`);
      return 2;
  }
}

async function runServe(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { config: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
  });
  const logger = createLogger();
  const configPath = values.config ?? process.env.CONFIG_FILE_PATH;
  let config: GatewayConfig;
  try {
    config =
      configPath === undefined
        ? loadConfigText(demoConfigText(process.env), { registry: createProviderRegistry() })
        : await loadConfigFile(configPath, { registry: createProviderRegistry() });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) logger.error({ path: problem.path }, formatProblem(problem));
    return 1;
  }
  for (const problem of config.problems) logger.warn({ path: problem.path }, formatProblem(problem));
  if (config.masterKey === undefined) {
    if (process.env.NODE_ENV === 'production') {
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
  const { app } = buildGateway({ config, logger });
  await serve(app, {
    host: values.host ?? process.env.HOST ?? '0.0.0.0',
    port: Number(values.port ?? process.env.PORT ?? 4000),
  });
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
