import type { LitellmSettings, RouterSettings } from '../config/schema.ts';
import type { FailureClass } from '../upstream/errors.ts';

type FallbackList = readonly Readonly<Record<string, readonly string[]>>[] | undefined;

/** Where a failed model group goes next, chosen by why it failed (LiteLLM's three lists and its default). */
export class Fallbacks {
  readonly #generic: ReadonlyMap<string, readonly string[]>;
  readonly #contextWindow: ReadonlyMap<string, readonly string[]>;
  readonly #contentPolicy: ReadonlyMap<string, readonly string[]>;
  readonly #defaults: readonly string[];

  constructor(router: RouterSettings, litellm: LitellmSettings) {
    this.#generic = toMap(router.fallbacks ?? litellm.fallbacks);
    this.#contextWindow = toMap(router.context_window_fallbacks ?? litellm.context_window_fallbacks);
    this.#contentPolicy = toMap(router.content_policy_fallbacks ?? litellm.content_policy_fallbacks);
    this.#defaults = router.default_fallbacks ?? litellm.default_fallbacks ?? [];
  }

  /** The groups to try, in order, after `group` failed with `failure`. A per-request list replaces the generic one. */
  after(
    group: string,
    failure: FailureClass | 'unavailable',
    requested: readonly string[] | undefined,
  ): readonly string[] {
    if (failure === 'context_window') return this.#contextWindow.get(group) ?? this.#generic.get(group) ?? [];
    if (failure === 'content_policy') return this.#contentPolicy.get(group) ?? this.#generic.get(group) ?? [];
    return requested ?? this.#generic.get(group) ?? this.#defaults;
  }
}

function toMap(list: FallbackList): ReadonlyMap<string, readonly string[]> {
  const map = new Map<string, readonly string[]>();
  for (const entry of list ?? []) {
    for (const [group, targets] of Object.entries(entry)) map.set(group, targets);
  }
  return map;
}
