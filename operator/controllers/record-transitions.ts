import type { Condition } from '../kube/conditions.ts';
import type { Problem } from '../render/problems.ts';
import type { ControllerContext } from './context.ts';
import type { CustomResourceJson } from './kube-json.ts';
import { transitionEvents } from './transition-events.ts';

/** Events for the conditions that changed since the cached status. */
export function recordTransitions(
  ctx: ControllerContext,
  object: CustomResourceJson,
  next: readonly Condition[] | undefined,
): void {
  for (const event of transitionEvents(object.status?.conditions, next ?? [])) {
    ctx.recordEvent({ regarding: object, action: 'Reconcile', ...event });
  }
}

/**
 * A Warning for each render warning about `subject` that the cached status does not show yet: their
 * messages ride in the conditions, so each is told once, when it first appears, not at every pass.
 */
export function recordNewWarnings(
  ctx: ControllerContext,
  object: CustomResourceJson,
  problems: readonly Problem[],
  subject: string,
): void {
  const told = (object.status?.conditions ?? [])
    .map((condition) => (condition as { message?: string }).message ?? '')
    .join('\n');
  for (const problem of problems) {
    if (problem.subject !== subject || problem.severity !== 'warning' || told.includes(problem.message))
      continue;
    ctx.recordEvent({
      regarding: object,
      type: 'Warning',
      reason: problem.reason,
      action: 'Render',
      note: problem.message,
    });
  }
}
