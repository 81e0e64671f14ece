import type { Deployment } from './types.ts';

/** What a deployment's params say once: a deployment's params never change (a new config makes new ones). */
export function perDeployment<T>(compute: (deployment: Deployment) => T): (deployment: Deployment) => T {
  const computed = new WeakMap<Deployment, T>();
  return (deployment) => {
    let value = computed.get(deployment);
    if (value === undefined) {
      value = compute(deployment);
      computed.set(deployment, value);
    }
    return value;
  };
}

/**
 * `compute` remembered for its last argument: called again only when the argument changes (by identity), for
 * values that change rarely, such as a credential that a file reference may replace at any time.
 */
export function lastOf<A, T>(compute: (argument: A) => T): (argument: A) => T {
  let last: { readonly argument: A; readonly value: T } | undefined;
  return (argument) => {
    if (last === undefined || last.argument !== argument) last = { argument, value: compute(argument) };
    return last.value;
  };
}
