import type { z } from 'zod';

/**
 * A cross-field rule, written once as CEL (for the apiserver, in `x-kubernetes-validations`) and once as a
 * TypeScript predicate (so offline `render` and the controllers reject the same specs the apiserver would).
 * The rules test in api/ checks both against the same cases.
 */
export interface Rule<T> {
  readonly rule: string;
  readonly message: string;
  /** A field path for the error, relative to the object the rule sits on (`.autoscaling`). */
  readonly fieldPath?: string;
  readonly holds: (value: T) => boolean;
}

export function withRules<S extends z.ZodType>(schema: S, rules: readonly Rule<z.output<S>>[]): S {
  const refined = schema.superRefine((value, context) => {
    for (const rule of rules) {
      if (!rule.holds(value)) {
        const path = rule.fieldPath?.split('.').filter((part) => part !== '') ?? [];
        context.addIssue({ code: 'custom', message: rule.message, path });
      }
    }
  });
  return refined.meta({
    'x-kubernetes-validations': rules.map(({ rule, message, fieldPath }) =>
      fieldPath === undefined ? { rule, message } : { rule, message, fieldPath },
    ),
  });
}
