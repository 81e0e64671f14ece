/** The bench's knobs, from the environment, so a small quick run is one line. */
export interface ScaleOptions {
  readonly gateways: number;
  readonly modelsPerGateway: number;
  readonly keysPerGateway: number;
  readonly namespaces: number;
  /** Every n-th gateway scales with an HPA (minReplicas 1, maxReplicas 2) instead of a fixed replica. */
  readonly autoscaleEvery: number;
  /** `during`: the operator runs while the objects are created (kubectl apply of a fleet); `before`: it starts over them. */
  readonly create: 'during' | 'before';
  readonly idleSeconds: number;
  /** Give up waiting for Ready after this long. */
  readonly timeoutSeconds: number;
  /** Parallel creates. */
  readonly createConcurrency: number;
  /** How migration Jobs are ended (migration-jobs.ts), and how many at once with kubectl. */
  readonly jobCompleter: 'http' | 'kubectl';
  readonly jobConcurrency: number;
  /** Write the result into e2e/scale/README.md (off for quick trials). */
  readonly writeReadme: boolean;
  /**
   * Flags for the operator's node process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`; undefined: the
   * chart's NODE_OPTIONS (chart-node-options.ts), as the operator runs when installed.
   */
  readonly operatorNodeOptions: string | undefined;
  /** MALLOC_ARENA_MAX for the operator ('' = glibc's default); undefined: the chart's. */
  readonly operatorMallocArenaMax: string | undefined;
  /** `dist`: the operator compiled (built by the bench first), as the image runs it; `ts`: its sources. */
  readonly operatorBuild: 'dist' | 'ts';
  /** Where to copy the operator's and the control plane's logs before the temp dir goes ('' = nowhere). */
  readonly logDir: string;
  /** Write a CPU profile of kube-apiserver over the first `apiserverProfileSeconds` of convergence here ('' = none). */
  readonly apiserverProfile: string;
  /** Write a heap snapshot of the operator here at the end of the idle window ('' = none). */
  readonly heapSnapshotDir: string;
  readonly apiserverProfileSeconds: number;
}

export function scaleOptions(env: Readonly<Record<string, string | undefined>>): ScaleOptions {
  const int = (name: string, fallback: number, min = 0): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min)
      throw new Error(`${name} must be an integer >= ${min}, not "${text}"`);
    return value;
  };
  const create = env.SCALE_CREATE ?? 'during';
  if (create !== 'during' && create !== 'before')
    throw new Error(`SCALE_CREATE must be during or before, not "${create}"`);
  const jobCompleter = env.SCALE_JOB_COMPLETER ?? 'http';
  if (jobCompleter !== 'http' && jobCompleter !== 'kubectl')
    throw new Error(`SCALE_JOB_COMPLETER must be http or kubectl, not "${jobCompleter}"`);
  const operatorBuild = env.SCALE_OPERATOR_BUILD ?? 'dist';
  if (operatorBuild !== 'dist' && operatorBuild !== 'ts')
    throw new Error(`SCALE_OPERATOR_BUILD must be dist or ts, not "${operatorBuild}"`);
  const gateways = int('SCALE_GATEWAYS', 200, 1);
  return {
    gateways,
    modelsPerGateway: int('SCALE_MODELS_PER_GATEWAY', 10),
    keysPerGateway: int('SCALE_KEYS_PER_GATEWAY', 10),
    namespaces: Math.min(int('SCALE_NAMESPACES', 4, 1), gateways),
    autoscaleEvery: int('SCALE_AUTOSCALE_EVERY', 4),
    create,
    idleSeconds: int('SCALE_IDLE_SECONDS', 300),
    timeoutSeconds: int('SCALE_TIMEOUT_SECONDS', 900, 1),
    createConcurrency: int('SCALE_CREATE_CONCURRENCY', 16, 1),
    jobCompleter,
    jobConcurrency: int('SCALE_JOB_CONCURRENCY', 6, 1),
    writeReadme: (env.SCALE_WRITE_README ?? '1') !== '0',
    operatorNodeOptions: env.SCALE_OPERATOR_NODE_OPTIONS,
    operatorMallocArenaMax: env.SCALE_OPERATOR_MALLOC_ARENA_MAX,
    operatorBuild,
    logDir: env.SCALE_LOG_DIR ?? '',
    apiserverProfile: env.SCALE_APISERVER_PROFILE ?? '',
    heapSnapshotDir: env.SCALE_HEAP_SNAPSHOT_DIR ?? '',
    apiserverProfileSeconds: int('SCALE_APISERVER_PROFILE_SECONDS', 40, 1),
  };
}

export function describeShape(options: ScaleOptions): string {
  const { gateways, modelsPerGateway, keysPerGateway, namespaces } = options;
  return (
    `${gateways} LLMGateways, ${gateways * modelsPerGateway} ModelDeployments, ` +
    `${gateways * keysPerGateway} VirtualKeys in ${namespaces} namespaces`
  );
}
