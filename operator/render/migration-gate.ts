import type { LLMGatewaySpec } from '../api/llm-gateway.ts';
import { migrationJobName } from './migration-job.ts';

/** What the controller observed of the Job named for the desired image (undefined: no such Job). */
export type MigrationJobState = 'running' | 'succeeded' | 'failed';

export interface MigrationObservation {
  readonly gatewayName: string;
  readonly spec: LLMGatewaySpec;
  /** spec.image or the operator's default. */
  readonly desiredImage: string;
  /** status.migratedImage: the last image whose migration succeeded. */
  readonly migratedImage: string | undefined;
  readonly job: MigrationJobState | undefined;
  /** The image of the existing Deployment's pod template, if there is one. */
  readonly currentImage: string | undefined;
}

export interface MigrationDecision {
  /** Whether the migration Job for the desired image belongs to the desired state. */
  readonly runJob: boolean;
  /** The image the Deployment may run now; undefined: no Deployment yet (first install, not migrated). */
  readonly deploymentImage: string | undefined;
  /** The value for status.migratedImage. */
  readonly migratedImage: string | undefined;
  /** The DatabaseMigrated condition. */
  readonly condition: {
    readonly status: 'True' | 'False';
    readonly reason: string;
    readonly message: string;
  };
  /** A failed migration degrades the gateway; the old pods keep serving. */
  readonly degraded: boolean;
}

/**
 * Whether the Deployment may roll to a new image: only once that image's migration Job has succeeded (or the
 * image was migrated before, as recorded in status). Until then the pods stay on the image they run.
 */
export function migrationGate(observation: MigrationObservation): MigrationDecision {
  const { spec, desiredImage, migratedImage, job, currentImage } = observation;
  if (spec.database?.migrations.enabled !== true) {
    const reason = spec.database === undefined ? 'NoDatabase' : 'MigrationsDisabled';
    return {
      runJob: false,
      deploymentImage: desiredImage,
      migratedImage,
      condition: { status: 'True', reason, message: 'the operator runs no migrations for this gateway' },
      degraded: false,
    };
  }
  if (migratedImage === desiredImage || job === 'succeeded') {
    return {
      runJob: job !== undefined && migratedImage !== desiredImage,
      deploymentImage: desiredImage,
      migratedImage: desiredImage,
      condition: {
        status: 'True',
        reason: 'Migrated',
        message: `the database is migrated for ${desiredImage}`,
      },
      degraded: false,
    };
  }
  const jobName = migrationJobName(observation.gatewayName, desiredImage);
  const holding = currentImage === undefined ? 'no pods are started yet' : `pods stay on ${currentImage}`;
  if (job === 'failed') {
    return {
      runJob: true,
      deploymentImage: currentImage,
      migratedImage,
      condition: {
        status: 'False',
        reason: 'MigrationFailed',
        message: `Job ${jobName} failed to migrate the database for ${desiredImage}; ${holding}. See its logs; delete the Job to retry`,
      },
      degraded: true,
    };
  }
  return {
    runJob: true,
    deploymentImage: currentImage,
    migratedImage,
    condition: {
      status: 'False',
      reason: 'Migrating',
      message: `waiting for Job ${jobName} to migrate the database for ${desiredImage}; ${holding}`,
    },
    degraded: false,
  };
}
