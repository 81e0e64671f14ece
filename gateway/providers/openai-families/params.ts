import { ProviderError } from '../../upstream/errors.ts';
import type { RequestBody } from '../types.ts';
import type { Family, RefusedParam } from './family.ts';

function asks(rule: RefusedParam, value: unknown, model: string): boolean {
  if (value === undefined || value === null) return false;
  if (rule.models !== undefined && !rule.models.test(model)) return false;
  if (rule.above !== undefined) return typeof value === 'number' && value > rule.above;
  if (rule.values !== undefined) return rule.values.includes(value);
  return true;
}

/**
 * The request body as the family takes it: refused parameters dropped under `drop_params` (else a 400 naming
 * them, as LiteLLM's UnsupportedParamsError), fields renamed and values mapped, the model id set.
 */
export function familyBody(
  family: Family,
  body: RequestBody,
  model: string,
  dropParams: boolean,
): RequestBody {
  const refused = (family.refused ?? []).filter((rule) => asks(rule, body[rule.param], model));
  if (refused.length > 0 && !dropParams) {
    const names = [...new Set(refused.map((rule) => `'${rule.param}'`))].join(', ');
    throw new ProviderError(
      'bad_request',
      `${family.name} does not support the parameter${refused.length > 1 ? 's' : ''} ${names} (model ${model}). ` +
        'Remove it, or set litellm_settings.drop_params: true to drop unsupported parameters.',
      { status: 400 },
    );
  }
  const out: RequestBody = {};
  const dropped = new Set(refused.map((rule) => rule.param));
  for (const [key, value] of Object.entries(body)) {
    if (dropped.has(key)) continue;
    const name = family.renames?.[key] ?? key;
    const mapped = typeof value === 'string' ? family.valueMaps?.[key]?.[value] : undefined;
    // A field already set under the target name (the client sent `max_tokens` too) is not overwritten.
    if (name !== key && name in body) continue;
    out[name] = mapped ?? value;
  }
  out.model = modelId(family, model);
  return out;
}

export function modelId(family: Family, model: string): string {
  const prefix = family.modelPrefix;
  return prefix === undefined || model.startsWith(prefix.unless) ? model : prefix.prefix + model;
}
