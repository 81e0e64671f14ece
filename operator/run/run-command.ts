import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { describeKubeError } from '../kube/api-error.ts';
import { loadKubeConnection } from '../kube/kube-connection.ts';
import { createLogger } from './logger.ts';
import { startOperator } from './operator.ts';
import { parseRunOptions, runUsage, UsageError } from './options.ts';

/** `switchyard-operator run`: resolves with the process exit code. */
export async function runCommand(args: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseRunOptions(args, process.env, `${hostname()}-${randomUUID().slice(0, 8)}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${runUsage}\n`);
    return 2;
  }
  const log = createLogger(options.logLevel);
  // KUBECONFIG or ~/.kube/config on a workstation; the service account's token inside a pod.
  const kubeConfig = await loadKubeConnection();
  log.info(
    {
      identity: options.identity,
      namespaces: options.namespaces.length > 0 ? options.namespaces : 'all',
      leaderElect: options.leaderElect,
      gatewayImage: options.gatewayImage,
      server: kubeConfig.getCurrentCluster()?.server,
    },
    'starting',
  );
  let operator;
  try {
    operator = await startOperator(options, kubeConfig, log);
  } catch (error) {
    log.error({ err: describeKubeError(error) }, 'start-up failed');
    return 1;
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'shutting down');
    void operator.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const code = await operator.done;
  log.info({ code }, 'stopped');
  return code;
}
