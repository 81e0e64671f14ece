import type { V1Job } from '@kubernetes/client-node';
import type { LLMGateway } from '../api/llm-gateway.ts';
import { containerArgs, mounts } from './contract.ts';
import { databaseEnv } from './env.ts';
import { sha256 } from './hash.ts';
import { gatewayLabels } from './labels.ts';
import { ownerReference } from './owner.ts';
import { containerSecurityContext, podSecurityContext } from './security.ts';
import { podOverrides } from './pod-overrides.ts';
import { serviceAccountName } from './service-account.ts';
import type { Applied } from './kube-object.ts';

/** Job names end up in the `job-name` pod label, whose values are limited to 63 characters. */
const maxNameLength = 63;
const infix = '-migrate-';
const hashLength = 10;

export const migrationImageAnnotation = 'switchyard.dev/image';

/**
 * `<gateway>-migrate-<hash>`, the hash taken over the gateway name and the image, so one image is migrated
 * by one Job and a new image by a new one. A long gateway name is cut, never the hash.
 */
export function migrationJobName(gatewayName: string, image: string): string {
  const hash = sha256(`${gatewayName}\u0000${image}`).slice(0, hashLength);
  const room = maxNameLength - infix.length - hashLength;
  const prefix = gatewayName.slice(0, room).replace(/[-.]+$/, '');
  return `${prefix}${infix}${hash}`;
}

/** Runs `migrate` once for an image. Migrations are backward compatible: old pods keep serving meanwhile. */
export function migrationJob(gateway: LLMGateway, image: string): Applied<V1Job> {
  const spec = gateway.spec;
  const migrations = spec.database?.migrations;
  if (spec.database === undefined || migrations === undefined)
    throw new Error('migration Job without a database');
  const labels = gatewayLabels(gateway, 'migration');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: migrationJobName(gateway.metadata.name, image),
      namespace: gateway.metadata.namespace,
      labels,
      annotations: { [migrationImageAnnotation]: image },
      ownerReferences: [ownerReference('LLMGateway', gateway.metadata)],
    },
    spec: {
      backoffLimit: migrations.backoffLimit,
      activeDeadlineSeconds: migrations.activeDeadlineSeconds,
      // The migrated image is recorded in status, so a Job removed after a day is not run again.
      ttlSecondsAfterFinished: 86400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: serviceAccountName(gateway),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext(),
          ...podOverrides(spec),
          containers: [
            {
              name: 'migrate',
              image,
              ...(spec.imagePullPolicy === undefined ? {} : { imagePullPolicy: spec.imagePullPolicy }),
              args: [...containerArgs.migrate],
              env: databaseEnv(spec),
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
              volumeMounts: [{ name: 'tmp', mountPath: mounts.tmp.dir }],
              securityContext: containerSecurityContext(),
              terminationMessagePolicy: 'FallbackToLogsOnError',
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
        },
      },
    },
  };
}
