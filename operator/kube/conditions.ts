/**
 * KEP-1623 conditions (metav1.Condition), as pure functions. A condition's lastTransitionTime moves
 * only when its status changes, so recomputing the same conditions gives byte-equal status and the
 * status apply is skipped: no write when nothing changed.
 */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
  readonly reason: string;
  readonly message: string;
}

/** What a controller decides; the time is filled in here. */
export interface ConditionInput {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message?: string;
  readonly observedGeneration?: number;
}

/** A condition as read back from the cache: typed clients turn times into Date objects. */
export interface LiveCondition {
  readonly type: string;
  readonly status: string;
  readonly lastTransitionTime?: string | Date | undefined;
}

export interface NowSource {
  now(): number;
}

// The apiserver's own rules (metav1.Condition validation), checked here so a bug fails in a unit
// test with a clear message rather than as a 422 at runtime.
const REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const MAX_MESSAGE = 32_768;

/**
 * The full list of conditions for `inputs`, in their order, keeping each one's lastTransitionTime
 * from `previous` when its status did not change. Types absent from `inputs` are dropped: the
 * controller states the whole set, as it does for every other part of the desired state.
 */
export function computeConditions(
  previous: readonly LiveCondition[] | undefined,
  inputs: readonly ConditionInput[],
  clock: NowSource,
): Condition[] {
  const seen = new Set<string>();
  return inputs.map((input) => {
    if (seen.has(input.type)) throw new Error(`condition ${input.type} given twice`);
    seen.add(input.type);
    return nextCondition(findCondition(previous, input.type), input, clock);
  });
}

/** Sets one condition, keeping the others as they are. */
export function setCondition(
  previous: readonly LiveCondition[] | undefined,
  input: ConditionInput,
  clock: NowSource,
): (Condition | LiveCondition)[] {
  const next = nextCondition(findCondition(previous, input.type), input, clock);
  const list: (Condition | LiveCondition)[] = [...(previous ?? [])];
  const index = list.findIndex((condition) => condition.type === input.type);
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

export function findCondition<C extends LiveCondition>(
  conditions: readonly C[] | undefined,
  type: string,
): C | undefined {
  return conditions?.find((condition) => condition.type === type);
}

export function isConditionTrue(conditions: readonly LiveCondition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** metav1.Time: RFC 3339 in whole seconds, as the apiserver writes it back. */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function nextCondition(
  previous: LiveCondition | undefined,
  input: ConditionInput,
  clock: NowSource,
): Condition {
  if (!REASON.test(input.reason)) {
    throw new Error(`condition ${input.type}: reason ${JSON.stringify(input.reason)} is not CamelCase`);
  }
  const kept = previous?.status === input.status ? previous.lastTransitionTime : undefined;
  const lastTransitionTime = kept !== undefined ? asTimeString(kept) : formatTime(clock.now());
  return {
    type: input.type,
    status: input.status,
    ...(input.observedGeneration !== undefined ? { observedGeneration: input.observedGeneration } : {}),
    lastTransitionTime,
    reason: input.reason,
    message: (input.message ?? '').slice(0, MAX_MESSAGE),
  };
}

/** Keeps a live string exactly as the server wrote it, so an unchanged status compares equal. */
function asTimeString(time: string | Date): string {
  return typeof time === 'string' ? time : formatTime(time.getTime());
}
