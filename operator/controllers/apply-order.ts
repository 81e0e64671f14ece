/**
 * What must exist before an object of a kind is applied, by kind: pods are admitted only with their
 * ServiceAccount, and start only once the Secrets and ConfigMaps they mount are there; an HPA scales a
 * Deployment. Everything else is independent of its siblings.
 */
const prerequisites: Readonly<Record<string, readonly string[]>> = {
  Job: ['ServiceAccount'],
  Deployment: ['ServiceAccount', 'Secret', 'ConfigMap'],
  HorizontalPodAutoscaler: ['Deployment'],
};

export function prerequisiteKinds(kind: string): readonly string[] {
  return prerequisites[kind] ?? [];
}

/**
 * Runs `step` for every object, each as soon as the steps of the objects it needs (by kind, among these
 * objects) have settled, success or failure alike: one round trip per level of need instead of one per
 * object. A parent's first pass is then two or three round trips, and its migration Job goes out right
 * behind its ServiceAccount. Results come back in the objects' order.
 */
export async function inPrerequisiteOrder<T extends { readonly kind: string }, R>(
  objects: readonly T[],
  step: (object: T) => Promise<R>,
): Promise<R[]> {
  const runs = new Map<number, Promise<R>>();
  const run = (object: T, index: number): Promise<R> => {
    const known = runs.get(index);
    if (known !== undefined) return known;
    const needed = prerequisiteKinds(object.kind);
    const needs = objects.flatMap((other, at) => (needed.includes(other.kind) ? [run(other, at)] : []));
    const started = needs.length === 0 ? step(object) : Promise.allSettled(needs).then(() => step(object));
    runs.set(index, started);
    return started;
  };
  const results = await Promise.allSettled(objects.map(run));
  // Every step has ended by now, so a failure leaves nothing running behind it.
  return results.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
}
