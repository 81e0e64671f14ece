import type { ControllerContext } from '../controllers/context.ts';
import { reconcileGateway } from '../controllers/llm-gateway-controller.ts';
import { reconcileModel } from '../controllers/model-deployment-controller.ts';
import { reconcileVirtualKey } from '../controllers/virtual-key-controller.ts';
import { parseKey } from '../kube/object-key.ts';
import type { ProcessOutcome } from '../kube/work-queue.ts';

/** One queue for the three kinds: the key's kind picks the controller. */
export function dispatch(ctx: ControllerContext, key: string): Promise<ProcessOutcome | undefined> {
  const { kind, namespace = '', name } = parseKey(key);
  switch (kind) {
    case 'LLMGateway':
      return reconcileGateway(ctx, namespace, name);
    case 'ModelDeployment':
      return reconcileModel(ctx, namespace, name);
    case 'VirtualKey':
      return reconcileVirtualKey(ctx, namespace, name);
    default:
      return Promise.reject(new Error(`no controller for queue key ${key}`));
  }
}
