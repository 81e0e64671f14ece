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
