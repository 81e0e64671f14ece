/**
 * Something a builder could not do, for a status condition and an event. Messages name fields, objects and
 * numbers, never a Secret's value.
 */
export interface Problem {
  /** The object the condition belongs on, e.g. `ModelDeployment/gpt-4o-openai`. */
  readonly subject: string;
  /** The condition type it sets to False (`ConfigValid`, `ResolvedRefs`, ...). */
  readonly condition: string;
  /** CamelCase reason, e.g. `SecretNotFound`. */
  readonly reason: string;
  readonly message: string;
  /** `error` blocks what depends on it; `warning` is reported and rendering goes on. */
  readonly severity: 'error' | 'warning';
}
