import { conditionTypes } from '../api/conditions.ts';
import type { LLMGateway, LLMGatewayStatus } from '../api/llm-gateway.ts';
import { computeConditions } from '../kube/conditions.ts';
import type { Condition, ConditionInput, LiveCondition, NowSource } from '../kube/conditions.ts';
import type { Problem } from '../render/problems.ts';
import type { GatewayRender } from '../render/render-gateway.ts';
import type { DeploymentJson } from './kube-json.ts';
import { deploymentImage } from './gateway-inputs.ts';
import { rolloutOf } from './rollout.ts';
import { summarize } from './problem-summary.ts';

export interface GatewayStatusInput {
  readonly gateway: LLMGateway;
  readonly render: GatewayRender;
  /** Problems found while applying (a child owned by someone else, a refused apply). */
  readonly applyProblems: readonly Problem[];
  /**
   * The live Deployment: as the apiserver returned it when this pass applied one (what the watch will
   * bring next), else from the cache; undefined when there is none.
   */
  readonly deployment: DeploymentJson | undefined;
  /** Whether this pass applied a changed Deployment: its rollout has not been observed yet. */
  readonly deploymentChanged: boolean;
  readonly previous: readonly LiveCondition[] | undefined;
  readonly clock: NowSource;
}

/** The status as written: conditions as computed (with their times), the rest as the schema has it. */
export type GatewayStatusBody = Omit<LLMGatewayStatus, 'conditions'> & { conditions: Condition[] };

export interface GatewayStatusResult {
  readonly status: GatewayStatusBody;
  /** Still converging: look again soon even if no event comes. */
  readonly progressing: boolean;
}

/**
 * The gateway's status from its render and its Deployment (KEP-1623): the specific conditions say which
 * part is not right, Ready/Progressing/Degraded summarize. Pure, and stable for equal inputs, so an
 * unchanged world writes nothing.
 */
export function gatewayStatus(input: GatewayStatusInput): GatewayStatusResult {
  const { gateway, render, deployment } = input;
  const generation = gateway.metadata.generation;
  const subject = `LLMGateway/${gateway.metadata.name}`;
  const own = [...render.problems, ...input.applyProblems].filter((p) => p.subject === subject);
  const errors = own.filter((p) => p.severity === 'error');
  const warnings = own.filter((p) => p.severity === 'warning');
  const leftOut = render.problems.filter((p) => p.subject !== subject && p.severity === 'error');
  const migration = render.migration;

  const configErrors = errors.filter((p) => p.condition === conditionTypes.configValid);
  const refErrors = errors.filter((p) => p.condition === conditionTypes.resolvedRefs);
  const otherErrors = errors.filter(
    (p) =>
      p.condition !== conditionTypes.configValid &&
      p.condition !== conditionTypes.resolvedRefs &&
      p.condition !== conditionTypes.databaseMigrated,
  );
  const configNotes = [
    ...warnings.filter((p) => p.condition === conditionTypes.configValid).map((p) => p.message),
    ...(leftOut.length > 0
      ? [
          `${countOf(new Set(leftOut.map((p) => p.subject)).size, 'ModelDeployment')} left out, see their status`,
        ]
      : []),
  ];

  const rollout = deployment === undefined ? undefined : rolloutOf(deployment);
  const runningImage = deploymentImage(deployment);
  const onDesiredImage = runningImage === render.status.image;
  const settled = rollout?.complete === true && !input.deploymentChanged;
  const degradedBy = [
    ...configErrors,
    ...refErrors,
    ...otherErrors,
    ...(migration.degraded ? [migrationProblem(subject, migration.condition)] : []),
    ...(rollout?.deadlineExceeded === true
      ? [
          {
            subject,
            condition: conditionTypes.degraded,
            reason: 'ProgressDeadlineExceeded',
            message: `the Deployment's rollout exceeded its progress deadline: ${rollout.message}`,
            severity: 'error' as const,
          },
        ]
      : []),
  ];

  const progressing = progressingCondition(input, rollout?.message, settled, degradedBy.length > 0);
  const ready = readyCondition({
    degradedBy,
    migrating: migration.condition.reason === 'Migrating',
    migrationMessage: migration.condition.message,
    deploymentExists: deployment !== undefined,
    settled,
    onDesiredImage,
    rolloutMessage: rollout?.message,
    warnings: warnings.filter((p) => p.condition !== conditionTypes.configValid),
  });
  const conditions: ConditionInput[] = [
    ready,
    progressing,
    degradedBy.length > 0
      ? { type: conditionTypes.degraded, status: 'True' as const, ...summarize(degradedBy) }
      : { type: conditionTypes.degraded, status: 'False' as const, reason: 'AsExpected', message: '' },
    configErrors.length > 0
      ? { type: conditionTypes.configValid, status: 'False', ...summarize(configErrors) }
      : {
          type: conditionTypes.configValid,
          status: 'True',
          reason: 'Valid',
          message: [`${countOf(render.status.modelCount, 'model')} in the config`, ...configNotes].join('; '),
        },
    refErrors.length > 0
      ? { type: conditionTypes.resolvedRefs, status: 'False', ...summarize(refErrors) }
      : {
          type: conditionTypes.resolvedRefs,
          status: 'True',
          reason: 'Resolved',
          message: 'every referenced Secret was found',
        },
    { type: conditionTypes.databaseMigrated, ...migration.condition },
  ];
  const inputs = conditions.map((condition) => ({
    ...condition,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  }));

  const status: GatewayStatusBody = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: computeConditions(input.previous, inputs, input.clock),
    ...(rollout !== undefined ? { replicas: rollout.replicas, readyReplicas: rollout.readyReplicas } : {}),
    ...render.status,
  };
  return { status, progressing: progressing.status === 'True' };
}

function progressingCondition(
  input: GatewayStatusInput,
  rolloutMessage: string | undefined,
  settled: boolean,
  degraded: boolean,
): ConditionInput {
  const { migration } = input.render;
  // Told as RollingOut with the applied Deployment's own progress, which is what the next pass (its watch
  // event) reads too: an "applied" step of its own would be a status write replaced at once.
  if (input.deploymentChanged && (input.deployment === undefined || degraded))
    return {
      type: conditionTypes.progressing,
      status: 'True',
      reason: 'Updating',
      message: 'applied a new Deployment spec',
    };
  if (migration.condition.reason === 'Migrating')
    return {
      type: conditionTypes.progressing,
      status: 'True',
      reason: 'Migrating',
      message: migration.condition.message,
    };
  if (input.deployment !== undefined && !settled && !degraded)
    return {
      type: conditionTypes.progressing,
      status: 'True',
      reason: 'RollingOut',
      message: rolloutMessage ?? '',
    };
  if (settled)
    return {
      type: conditionTypes.progressing,
      status: 'False',
      reason: 'RolloutComplete',
      message: rolloutMessage ?? '',
    };
  return {
    type: conditionTypes.progressing,
    status: 'False',
    reason: degraded ? 'Blocked' : 'Waiting',
    message: degraded ? 'waiting for the problems in Degraded to be fixed' : 'no Deployment yet',
  };
}

interface ReadyFacts {
  readonly degradedBy: readonly Problem[];
  readonly migrating: boolean;
  readonly migrationMessage: string;
  readonly deploymentExists: boolean;
  readonly settled: boolean;
  readonly onDesiredImage: boolean;
  readonly rolloutMessage: string | undefined;
  readonly warnings: readonly Problem[];
}

function readyCondition(facts: ReadyFacts): ConditionInput {
  const type = conditionTypes.ready;
  if (facts.degradedBy.length > 0) return { type, status: 'False', ...summarize(facts.degradedBy) };
  if (facts.migrating) return { type, status: 'False', reason: 'Migrating', message: facts.migrationMessage };
  if (!facts.deploymentExists)
    return { type, status: 'False', reason: 'DeploymentPending', message: 'the Deployment is being created' };
  if (!facts.settled || !facts.onDesiredImage)
    return { type, status: 'False', reason: 'RollingOut', message: facts.rolloutMessage ?? '' };
  const notes = facts.warnings.map((p) => p.message);
  return {
    type,
    status: 'True',
    reason: 'Available',
    message: [facts.rolloutMessage ?? '', ...notes].join('; '),
  };
}

function migrationProblem(subject: string, condition: { reason: string; message: string }): Problem {
  return { subject, condition: conditionTypes.databaseMigrated, ...condition, severity: 'error' };
}

function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
