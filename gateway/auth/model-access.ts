import type { Deployment } from '../providers/types.ts';

/** LiteLLM's names for "every model". */
const everyModel = new Set(['*', 'all-proxy-models']);

/**
 * Whether a key's `models` let it call a model group: by name (or by the alias it was asked for, a
 * `model_group_alias`), by a wildcard (`gpt-*`, `openai/*`), or by an access group listed in the group's
 * deployments (`model_info.access_groups`). An empty list allows every model.
 */
export function modelAllowed(
  models: readonly string[],
  group: string,
  deployments: readonly Deployment[],
  alias?: string,
): boolean {
  if (models.length === 0) return true;
  const accessGroups = new Set(deployments.flatMap((deployment) => accessGroupsOf(deployment)));
  return models.some(
    (allowed) =>
      everyModel.has(allowed) ||
      allowed === group ||
      allowed === alias ||
      accessGroups.has(allowed) ||
      (allowed.includes('*') && wildcard(allowed).test(group)),
  );
}

function accessGroupsOf(deployment: Deployment): string[] {
  const groups = deployment.modelInfo.access_groups;
  return Array.isArray(groups) ? groups.filter((group): group is string => typeof group === 'string') : [];
}

const compiled = new Map<string, RegExp>();

function wildcard(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    regex = new RegExp(`^${escaped.join('.*')}$`);
    compiled.set(pattern, regex);
  }
  return regex;
}
