import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';
import { runAsUser } from './contract.ts';
import type { Plain } from './kube-object.ts';

/** Pod level: non-root, RuntimeDefault seccomp (meets the `restricted` Pod Security Standard). */
export function podSecurityContext(): Plain<V1PodSecurityContext> {
  return {
    runAsNonRoot: true,
    runAsUser,
    runAsGroup: runAsUser,
    fsGroup: runAsUser,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container level: no privilege escalation, every capability dropped, read-only root filesystem. */
export function containerSecurityContext(): Plain<V1SecurityContext> {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
