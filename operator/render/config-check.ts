import { configSchema, modelEntrySchema } from '../../gateway/config/schema.ts';
import type { Problem } from './problems.ts';

/**
 * Checks a rendered config with the gateway's own schema before it is applied, so a contract break shows as
 * ConfigValid=False on the gateway instead of a config the pods refuse. Fallbacks naming a group no
 * ModelDeployment serves are warnings (the gateway skips them too).
 */
export function checkConfig(gatewayName: string, config: Record<string, unknown>): Problem[] {
  const subject = `LLMGateway/${gatewayName}`;
  const problems: Problem[] = [];
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push(invalid(subject, `${issue.path.join('.')}: ${issue.message}`));
    return problems;
  }
  const groups = new Set<string>();
  parsed.data.model_list.forEach((entry, index) => {
    const model = modelEntrySchema.safeParse(entry);
    if (model.success) groups.add(model.data.model_name);
    else
      for (const issue of model.error.issues)
        problems.push(invalid(subject, `model_list[${index}].${issue.path.join('.')}: ${issue.message}`));
  });
  const settings = parsed.data.litellm_settings;
  const named = [
    ...(settings.fallbacks ?? []).flatMap((mapping) => Object.entries(mapping).flat(2)),
    ...(settings.context_window_fallbacks ?? []).flatMap((mapping) => Object.entries(mapping).flat(2)),
    ...(settings.default_fallbacks ?? []),
  ];
  for (const group of [...new Set(named)].filter((name) => !groups.has(name)).sort()) {
    problems.push({
      subject,
      condition: 'ConfigValid',
      reason: 'UnknownModelGroup',
      message: `fallbacks name model group "${group}", which no ready ModelDeployment of this gateway serves`,
      severity: 'warning',
    });
  }
  return problems;
}

function invalid(subject: string, message: string): Problem {
  return { subject, condition: 'ConfigValid', reason: 'InvalidConfig', message, severity: 'error' };
}
