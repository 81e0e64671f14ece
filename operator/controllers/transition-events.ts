import { conditionTypes } from '../api/conditions.ts';
import type { Condition, LiveCondition } from '../kube/conditions.ts';

export interface TransitionEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly note: string;
}

/** Conditions for which True is the bad state; for the others False is. Progressing is not reported. */
const trueIsBad = new Set<string>([conditionTypes.degraded]);
const silent = new Set<string>([conditionTypes.progressing]);
/** Reasons of a False that is the way to True, not a fault: told as Normal, and not at creation. */
const onTheWay = new Set<string>(['Migrating', 'RollingOut', 'DeploymentPending']);

/**
 * Events for what changed in the conditions, so `kubectl describe` tells the story: a condition that
 * turned, or a bad one whose reason changed (Migrating → MigrationFailed). A new object's conditions are
 * reported only when bad: "all is well" at creation is what Ready already says.
 */
export function transitionEvents(
  previous: readonly LiveCondition[] | undefined,
  next: readonly Condition[],
): TransitionEvent[] {
  const events: TransitionEvent[] = [];
  for (const condition of next) {
    if (silent.has(condition.type)) continue;
    const before = previous?.find((c) => c.type === condition.type) as
      (LiveCondition & { readonly reason?: string }) | undefined;
    const unwell = trueIsBad.has(condition.type) ? condition.status === 'True' : condition.status === 'False';
    const bad = unwell && !onTheWay.has(condition.reason);
    const turned = before !== undefined && before.status !== condition.status;
    const reasonMoved = before !== undefined && unwell && before.reason !== condition.reason;
    if (!(turned || reasonMoved || (before === undefined && bad))) continue;
    const note = condition.message
      ? `${condition.type} ${condition.status}: ${condition.message}`
      : `${condition.type} ${condition.status}`;
    events.push({ type: bad ? 'Warning' : 'Normal', reason: condition.reason, note });
  }
  return events;
}
