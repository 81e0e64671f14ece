import type { Condition, ConditionInput, LiveCondition, NowSource } from '../kube/conditions.ts';
import { computeConditions } from '../kube/conditions.ts';
import type { Problem } from '../render/problems.ts';
import { summarize } from './problem-summary.ts';

export interface ModelStatusInput {
  readonly name: string;
  readonly generation: number | undefined;
  readonly gatewayName: string;
  readonly modelName: string;
  /** Undefined: the gateway does not exist (or its spec is unusable); else its render's problems. */
  readonly gatewayProblems: readonly Problem[] | undefined;
  readonly gatewayMissingMessage: string;
  readonly previous: readonly LiveCondition[] | undefined;
  readonly clock: NowSource;
}

/** A ModelDeployment's status: whether its gateway exists, its Secrets resolve, and the gateway took it. */
export function modelStatus(input: ModelStatusInput): {
  observedGeneration?: number;
  conditions: Condition[];
} {
  const subject = `ModelDeployment/${input.name}`;
  const stamp = input.generation !== undefined ? { observedGeneration: input.generation } : {};
  const problems =
    input.gatewayProblems === undefined
      ? [
          {
            subject,
            condition: 'ResolvedRefs',
            reason: 'GatewayNotFound',
            message: input.gatewayMissingMessage,
            severity: 'error' as const,
          },
        ]
      : input.gatewayProblems.filter((p) => p.subject === subject);
  const errors = problems.filter((p) => p.severity === 'error');
  const refs = errors.filter((p) => p.condition === 'ResolvedRefs');
  const config = errors.filter((p) => p.condition !== 'ResolvedRefs');
  const inputs: ConditionInput[] = [
    errors.length > 0
      ? { type: 'Ready', status: 'False', ...summarize(errors), ...stamp }
      : {
          type: 'Ready',
          status: 'True',
          reason: 'Accepted',
          message: `in the config of LLMGateway ${input.gatewayName} as model group ${input.modelName}`,
          ...stamp,
        },
    refs.length > 0
      ? { type: 'ResolvedRefs', status: 'False', ...summarize(refs), ...stamp }
      : {
          type: 'ResolvedRefs',
          status: 'True',
          reason: 'Resolved',
          message: 'the gateway and every referenced Secret exist',
          ...stamp,
        },
    config.length > 0
      ? { type: 'ConfigValid', status: 'False', ...summarize(config), ...stamp }
      : { type: 'ConfigValid', status: 'True', reason: 'Valid', message: '', ...stamp },
  ];
  return { ...stamp, conditions: computeConditions(input.previous, inputs, input.clock) };
}
