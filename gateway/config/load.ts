import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { YAMLException } from 'js-yaml';
import type { z } from 'zod';
import { splitModel } from '../providers/model-name.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Deployment } from '../providers/types.ts';
import { ConfigError, formatPath, type ConfigProblem } from './problems.ts';
import { isCredentialKey, resolveReferences } from './references.ts';
import {
  configSchema,
  generalSettingsSchema,
  litellmSettingsSchema,
  modelEntrySchema,
  modelGroupAliases,
  notYetSupported,
  routerSettingsSchema,
  type GeneralSettings,
  type LitellmParams,
  type ModelEntry,
  type LitellmSettings,
  type RouterSettings,
} from './schema.ts';
import { secretFrom, type Secret } from './secret.ts';
import { parseYaml } from './yaml.ts';

/** A loaded config: the settings, the deployments that can be served, and everything worth telling the user. */
export interface GatewayConfig {
  readonly litellmSettings: LitellmSettings;
  readonly routerSettings: RouterSettings;
  readonly generalSettings: GeneralSettings;
  readonly deployments: readonly Deployment[];
  readonly masterKey: string | undefined;
  readonly problems: readonly ConfigProblem[];
  /** Short hash of the file text: tells which config a pod runs. */
  readonly version: string;
}

export interface LoadOptions {
  readonly registry: ProviderRegistry;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function loadConfigFile(path: string, options: LoadOptions): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([{ path: '(file)', message: `cannot read ${path}: ${reason}`, severity: 'error' }]);
  }
  return loadConfigText(text, options);
}

/** Parses and checks a config. Throws ConfigError when nothing can be served; otherwise lists the problems. */
export function loadConfigText(text: string, options: LoadOptions): GatewayConfig {
  const problems: ConfigProblem[] = [];
  const raw = parseDocument(text);
  const env = { ...stringValues(raw.environment_variables), ...(options.env ?? process.env) };
  const resolved = resolveReferences(raw, env, problems) as Record<string, unknown>;

  const parsed = configSchema.safeParse(resolved);
  if (!parsed.success) throw new ConfigError([...problems, ...zodProblems(parsed.error, [])]);
  const settingsErrors = problems.filter(
    (problem) => problem.severity === 'error' && !problem.path.startsWith('model_list'),
  );
  if (settingsErrors.length > 0) throw new ConfigError(problems);
  warnUnknownKeys(resolved, problems);

  const deployments = deploymentsOf(parsed.data.model_list, options.registry, problems);
  const {
    litellm_settings: litellmSettings,
    router_settings: routerSettings,
    general_settings: generalSettings,
  } = parsed.data;
  checkFallbacks(deployments, litellmSettings, routerSettings, problems);
  checkAliases(deployments, routerSettings, problems);
  if (deployments.length === 0) {
    problems.push({ path: 'model_list', message: 'no deployment can be served', severity: 'error' });
    throw new ConfigError(problems);
  }
  return {
    litellmSettings,
    routerSettings,
    generalSettings,
    deployments,
    masterKey: masterKeyOf(generalSettings, env),
    problems,
    version: createHash('sha256').update(text).digest('hex').slice(0, 12),
  };
}

function parseDocument(text: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    const message = error instanceof YAMLException ? error.message : String(error);
    throw new ConfigError([{ path: '(file)', message: `not valid YAML: ${message}`, severity: 'error' }]);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([
      { path: '(root)', message: 'must be a mapping with model_list and settings', severity: 'error' },
    ]);
  }
  return document as Record<string, unknown>;
}

function stringValues(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, String(item)]));
}

function zodProblems(error: z.ZodError, prefix: readonly PropertyKey[]): ConfigProblem[] {
  return error.issues.map((issue) => ({
    path: formatPath([...prefix, ...issue.path]),
    message: issue.message,
    severity: 'error' as const,
  }));
}

const sectionShapes: Readonly<Record<string, readonly string[]>> = {
  litellm_settings: Object.keys(litellmSettingsSchema.shape),
  router_settings: Object.keys(routerSettingsSchema.shape),
  general_settings: Object.keys(generalSettingsSchema.shape),
};

function warnUnknownKeys(resolved: Record<string, unknown>, problems: ConfigProblem[]): void {
  for (const key of Object.keys(resolved)) {
    if (!(key in configSchema.shape))
      problems.push({ path: key, message: 'unknown section; ignored', severity: 'warning' });
  }
  for (const [section, known] of Object.entries(sectionShapes)) {
    const value = resolved[section];
    if (value === null || typeof value !== 'object') continue;
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const message = notYetSupported[section]?.includes(key)
        ? 'not yet supported; ignored'
        : 'unknown setting; ignored';
      problems.push({ path: `${section}.${key}`, message, severity: 'warning' });
    }
  }
}

/**
 * The servable deployments of `model_list` entries whose references are resolved: each entry checked by the
 * schema and its provider, its id `model_info.id` or else a hash of the entry. Problems are located under
 * `at(index)` (`model_list[i]` for the file; the database's models name theirs by id); an entry with an error
 * already recorded under its path is skipped.
 */
export function deploymentsOf(
  entries: readonly unknown[],
  registry: ProviderRegistry,
  problems: ConfigProblem[],
  at: (index: number) => readonly PropertyKey[] = (index) => ['model_list', index],
): Deployment[] {
  const deployments = entries.flatMap((entry, index) =>
    toDeployment(entry, index, at(index), registry, problems),
  );
  checkUniqueIds(deployments, problems);
  return deployments;
}

function toDeployment(
  entry: unknown,
  index: number,
  at: readonly PropertyKey[],
  registry: ProviderRegistry,
  problems: ConfigProblem[],
): Deployment[] {
  const path = formatPath(at);
  if (problems.some((problem) => problem.severity === 'error' && problem.path.startsWith(`${path}.`))) {
    problems.push({ path, message: 'deployment skipped', severity: 'warning' });
    return [];
  }
  const parsed = modelEntrySchema.safeParse(entry);
  if (!parsed.success) {
    problems.push(...zodProblems(parsed.error, at), {
      path,
      message: 'deployment skipped',
      severity: 'warning',
    });
    return [];
  }
  const { model_name: modelName, model_info: modelInfo = {} } = parsed.data;
  const params = withEntryDefaults(parsed.data);
  const { provider: providerName, model } = splitModel(params.model, params.custom_llm_provider);
  const provider = providerName === undefined ? undefined : registry.get(providerName);
  const unservable =
    provider === undefined
      ? `provider ${providerName === undefined ? `of "${params.model}" cannot be inferred; add a prefix such as openai/` : `"${providerName}" is not supported`}`
      : provider.check?.(params);
  if (unservable !== undefined) {
    problems.push({
      path: `${path}.litellm_params.model`,
      message: `${unservable}; deployment skipped`,
      severity: 'error',
    });
    return [];
  }
  const identity = [modelName, params.model, params.api_base ?? '', String(index)].join('\0');
  return [
    {
      id: modelInfo.id ?? createHash('sha256').update(identity).digest('hex').slice(0, 16),
      modelName,
      provider: providerName ?? 'unknown',
      model,
      apiBase: params.api_base,
      credentials: credentialsOf(params),
      params,
      modelInfo,
    },
  ];
}

/** Limits written beside `litellm_params` and costs written in `model_info`, where `litellm_params` has none. */
function withEntryDefaults(entry: ModelEntry): LitellmParams {
  const { litellm_params: params, model_info: info } = entry;
  const defaults = {
    rpm: entry.rpm,
    tpm: entry.tpm,
    input_cost_per_token: info?.input_cost_per_token,
    output_cost_per_token: info?.output_cost_per_token,
  };
  const missing = Object.entries(defaults).filter(
    ([name, value]) => value !== undefined && params[name] === undefined,
  );
  return missing.length === 0 ? params : { ...params, ...Object.fromEntries(missing) };
}

function credentialsOf(params: Record<string, unknown>): Map<string, Secret> {
  const credentials = new Map<string, Secret>();
  for (const [key, value] of Object.entries(params)) {
    if (isCredentialKey(key) && typeof value === 'string') credentials.set(key, secretFrom(value));
  }
  return credentials;
}

function checkUniqueIds(deployments: readonly Deployment[], problems: ConfigProblem[]): void {
  const seen = new Set<string>();
  for (const deployment of deployments) {
    if (seen.has(deployment.id)) {
      problems.push({
        path: 'model_list',
        message: `model_info.id "${deployment.id}" is used twice`,
        severity: 'error',
      });
    }
    seen.add(deployment.id);
  }
}

function checkFallbacks(
  deployments: readonly Deployment[],
  litellm: LitellmSettings,
  router: RouterSettings,
  problems: ConfigProblem[],
): void {
  const groups = new Set(deployments.map((deployment) => deployment.modelName));
  const lists = { litellm_settings: litellm, router_settings: router };
  for (const [section, settings] of Object.entries(lists)) {
    for (const key of ['fallbacks', 'context_window_fallbacks', 'content_policy_fallbacks'] as const) {
      settings[key]?.forEach((mapping, index) => {
        for (const name of Object.values(mapping).flat()) {
          if (!groups.has(name)) {
            problems.push({
              path: `${section}.${key}[${index}]`,
              message: `model group "${name}" is not in model_list`,
              severity: 'warning',
            });
          }
        }
      });
    }
    settings.default_fallbacks?.forEach((name, index) => {
      if (!groups.has(name)) {
        problems.push({
          path: `${section}.default_fallbacks[${index}]`,
          message: `model group "${name}" is not in model_list`,
          severity: 'warning',
        });
      }
    });
  }
}

function checkAliases(
  deployments: readonly Deployment[],
  router: RouterSettings,
  problems: ConfigProblem[],
): void {
  const groups = new Set(deployments.map((deployment) => deployment.modelName));
  for (const { alias, group } of modelGroupAliases(router)) {
    const path = `router_settings.model_group_alias.${alias}`;
    if (groups.has(alias)) {
      problems.push({
        path,
        message: `a model group is named "${alias}" too; the group is served, the alias ignored`,
        severity: 'warning',
      });
    } else if (!groups.has(group)) {
      problems.push({
        path,
        message: `model group "${group}" is not in model_list; the alias serves nothing until it is`,
        severity: 'warning',
      });
    }
  }
}

function masterKeyOf(
  general: GeneralSettings,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const key = general.master_key ?? env.SWITCHYARD_MASTER_KEY ?? env.LITELLM_MASTER_KEY;
  return key === '' ? undefined : key;
}
