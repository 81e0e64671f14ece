/**
 * What the gateway container expects from the operator: ports, paths, arguments and environment names. The
 * gateway side implements the other half (see ../shared/DESIGN.md, "Contracts between the two programs").
 */
export const ports = {
  /** API and /metrics. */
  http: { name: 'http', port: 4000 },
  /** Health routes when SEPARATE_HEALTH_APP=1, so probes never queue behind API traffic. */
  health: { name: 'health', port: 4001 },
} as const;

export const healthPaths = { readiness: '/health/readiness', liveness: '/health/liveliness' } as const;

export const containerArgs = { serve: ['serve'], migrate: ['migrate'] } as const;

/** Directories, each a whole-volume mount (not subPath) so the kubelet can swap updated files in place. */
export const mounts = {
  config: { dir: '/etc/switchyard/config', file: 'config.yaml' },
  keys: { dir: '/etc/switchyard/keys', file: 'keys.json' },
  credentials: { dir: '/etc/switchyard/credentials' },
  tmp: { dir: '/tmp' },
} as const;

export const configFilePath = `${mounts.config.dir}/${mounts.config.file}`;
export const keysFilePath = `${mounts.keys.dir}/${mounts.keys.file}`;

export function credentialFilePath(key: string): string {
  return `${mounts.credentials.dir}/${key}`;
}

export const env = {
  configFilePath: 'CONFIG_FILE_PATH',
  keysFile: 'SWITCHYARD_KEYS_FILE',
  separateHealthApp: 'SEPARATE_HEALTH_APP',
  separateHealthPort: 'SEPARATE_HEALTH_PORT',
  shutdownDelaySeconds: 'SWITCHYARD_SHUTDOWN_DELAY_SECONDS',
  drainTimeoutSeconds: 'SWITCHYARD_DRAIN_TIMEOUT_SECONDS',
  mode: 'SWITCHYARD_MODE',
  disableSchemaUpdate: 'DISABLE_SCHEMA_UPDATE',
  databaseUrl: 'DATABASE_URL',
  databasePoolLimit: 'DATABASE_CONNECTION_POOL_LIMIT',
  masterKey: 'SWITCHYARD_MASTER_KEY',
  saltKey: 'SWITCHYARD_SALT_KEY',
  redisHost: 'REDIS_HOST',
  redisPort: 'REDIS_PORT',
  redisPassword: 'REDIS_PASSWORD',
} as const;

/** The numeric non-root user of the gateway image (distroless `nonroot`, Dockerfile.gateway). */
export const runAsUser = 65532;
