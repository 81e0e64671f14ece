import { parseArgs } from 'node:util';
import { defaultGatewayImage } from '../defaults.ts';

export interface RunOptions {
  readonly metricsPort: number;
  readonly healthPort: number;
  readonly leaderElect: boolean;
  /** Empty: every namespace. */
  readonly namespaces: readonly string[];
  readonly gatewayImage: string;
  /** Where the Lease lives: the operator's own namespace. */
  readonly leaseNamespace: string;
  /** Unique per replica: the pod name. */
  readonly identity: string;
  readonly logLevel: string;
}

export const runUsage = `usage: switchyard-operator run [--metrics-port=8080] [--health-port=8081]
    [--leader-elect=true|false] [--namespaces=a,b] [--gateway-image=IMAGE]

Environment: KUBECONFIG (or in-cluster credentials), POD_NAME, POD_NAMESPACE (leader election), LOG_LEVEL.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** The flags of `run` (those the Helm chart passes) and the environment the pod gives it. */
export function parseRunOptions(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  fallbackIdentity: string,
): RunOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        'metrics-port': { type: 'string', default: '8080' },
        'health-port': { type: 'string', default: '8081' },
        'leader-elect': { type: 'string', default: 'false' },
        namespaces: { type: 'string', default: '' },
        'gateway-image': { type: 'string', default: '' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const leaderElect = values['leader-elect'];
  if (leaderElect !== 'true' && leaderElect !== 'false')
    throw new UsageError(`--leader-elect must be true or false, not "${leaderElect}"`);
  return {
    metricsPort: port('--metrics-port', values['metrics-port']),
    healthPort: port('--health-port', values['health-port']),
    leaderElect: leaderElect === 'true',
    namespaces: values.namespaces
      .split(',')
      .map((namespace) => namespace.trim())
      .filter((namespace) => namespace !== ''),
    gatewayImage: orDefault(values['gateway-image'], defaultGatewayImage),
    leaseNamespace: orDefault(env.POD_NAMESPACE, 'default'),
    identity: orDefault(env.POD_NAME, fallbackIdentity),
    logLevel: orDefault(env.LOG_LEVEL, 'info'),
  };
}

/** An empty flag or variable counts as unset (what a chart renders for an empty value). */
function orDefault(value: string | undefined, fallback: string): string {
  return value === undefined || value === '' ? fallback : value;
}

function port(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    throw new UsageError(`${flag} must be a port number, not "${text}"`);
  return value;
}
