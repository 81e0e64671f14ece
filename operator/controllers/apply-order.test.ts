import { describe, expect, it } from 'vitest';
import { inPrerequisiteOrder } from './apply-order.ts';

/** A gateway's children in the order its render lists them. */
const gatewayChildren = [
  'ServiceAccount',
  'Secret',
  'Secret',
  'ConfigMap',
  'Service',
  'Job',
  'Deployment',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
].map((kind, index) => ({ kind, name: `${kind}-${index}` }));

/** Steps that end only when the test says so, recording what started while what was still open. */
function controlledSteps() {
  const started: string[] = [];
  const open = new Map<string, () => void>();
  const step = (object: { name: string }) => {
    started.push(object.name);
    return new Promise<string>((resolve) => {
      open.set(object.name, () => {
        resolve(`applied ${object.name}`);
      });
    });
  };
  const finish = async (name: string) => {
    const resolve = open.get(name);
    if (resolve === undefined) throw new Error(`${name} has not started`);
    open.delete(name);
    resolve();
    // Let the steps waiting on it start.
    await new Promise((next) => setTimeout(next, 0));
  };
  return { started, step, finish };
}

describe('inPrerequisiteOrder', () => {
  it('starts the independent children at once, the Job right behind its ServiceAccount', async () => {
    const { started, step, finish } = controlledSteps();
    const done = inPrerequisiteOrder(gatewayChildren, step);
    expect(started).toEqual([
      'ServiceAccount-0',
      'Secret-1',
      'Secret-2',
      'ConfigMap-3',
      'Service-4',
      'PodDisruptionBudget-8',
    ]);

    await finish('ServiceAccount-0');
    // The Deployment still waits for what its pods mount.
    expect(started.slice(6)).toEqual(['Job-5']);

    await finish('Secret-1');
    await finish('Secret-2');
    expect(started.slice(7)).toEqual([]);
    await finish('ConfigMap-3');
    expect(started.slice(7)).toEqual(['Deployment-6']);

    await finish('Deployment-6');
    expect(started.slice(8)).toEqual(['HorizontalPodAutoscaler-7']);

    for (const name of ['Service-4', 'PodDisruptionBudget-8', 'Job-5', 'HorizontalPodAutoscaler-7'])
      await finish(name);
    expect(await done).toEqual(gatewayChildren.map((child) => `applied ${child.name}`));
  });

  it('runs what needs a failed child once it failed, and reports the failure after all ended', async () => {
    const order: string[] = [];
    const objects = [
      { kind: 'Job', name: 'job' },
      { kind: 'ServiceAccount', name: 'sa' },
    ];
    const result = inPrerequisiteOrder(objects, async (object) => {
      order.push(object.name);
      await Promise.resolve();
      if (object.name === 'sa') throw new Error('refused');
      return object.name;
    });
    await expect(result).rejects.toThrow('refused');
    // The ServiceAccount listed after the Job still goes first.
    expect(order).toEqual(['sa', 'job']);
  });

  it('needs nothing that is not among the objects', async () => {
    const { started, step, finish } = controlledSteps();
    const done = inPrerequisiteOrder([{ kind: 'Deployment', name: 'deployment' }], step);
    expect(started).toEqual(['deployment']);
    await finish('deployment');
    expect(await done).toEqual(['applied deployment']);
  });
});
