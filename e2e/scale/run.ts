// Operator at scale (issue #9): a fleet of LLMGateways with their ModelDeployments and VirtualKeys against
// the e2e control plane, the operator as a real process under its own ServiceAccount. Measures the time
// until everything is Ready, the operator's API writes while converging and over an idle window after
// (counted by the apiserver, per FlowSchema), and the operator's RSS. `npm run bench:operator`; knobs in
// options.ts (SCALE_GATEWAYS=20 SCALE_IDLE_SECONDS=30 for a quick run).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startControlPlane } from '../cluster/control-plane.ts';
import type { ControlPlane } from '../cluster/control-plane.ts';
import { installCrds } from '../operator/fixtures.ts';
import { startOperatorProcess } from '../operator/operator-process.ts';
import type { OperatorProcess } from '../operator/operator-process.ts';
import {
  apiserverProfile,
  heapLine,
  heapSnapshot,
  keepLogs,
  mappingLine,
  operatorEventsByReason,
} from './diagnostics.ts';
import { FleetWatch } from './fleet-watch.ts';
import { forEachLimited, KubeHttpError, kubeHttp } from './kube-http.ts';
import type { KubeHttp } from './kube-http.ts';
import { delta, total } from './metrics-text.ts';
import { MigrationJobCompleter } from './migration-jobs.ts';
import { createOperatorIdentity, operatorNamespace } from './operator-identity.ts';
import { chartMemoryEnv } from './chart-node-options.ts';
import { controllerLine, createControllerFlows } from './controller-flows.ts';
import { describeShape, scaleOptions } from './options.ts';
import type { ScaleOptions } from './options.ts';
import { procStats, reapedChildrenCpuSeconds } from './proc-stats.ts';
import { checkProgress, describeProgress } from './readiness.ts';
import { renderResult, saveToReadme } from './report.ts';
import type { ScaleResult } from './report.ts';
import {
  apiserverSnapshot,
  operatorSnapshot,
  unstartedOperator,
  waitForQuiet,
  writesOnly,
} from './snapshots.ts';
import { collectionUrl, fleet } from './workload.ts';
import type { ScaleObject } from './workload.ts';

const pollMs = 1_000;
const quietMs = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message: string) => {
  console.log(`[scale ${new Date().toISOString().slice(11, 19)}] ${message}`);
};
const fmtSeconds = (seconds: number | undefined) =>
  seconds === undefined ? 'n/a' : `${seconds.toFixed(1)} s`;

/** The options with the operator's node flags and malloc arenas known (the chart's unless given). */
interface ResolvedOptions extends ScaleOptions {
  readonly operatorNodeOptions: string;
  readonly chartNodeOptions: boolean;
  readonly operatorMallocArenaMax: string;
  readonly chartMallocArenaMax: boolean;
}

interface Running {
  cp?: ControlPlane;
  admin?: KubeHttp;
  watch?: FleetWatch;
  operator?: OperatorProcess;
}

async function main(): Promise<void> {
  const given = scaleOptions(process.env);
  const chart = await chartMemoryEnv();
  const options: ResolvedOptions = {
    ...given,
    operatorNodeOptions: given.operatorNodeOptions ?? chart.nodeOptions,
    chartNodeOptions: given.operatorNodeOptions === undefined,
    operatorMallocArenaMax: given.operatorMallocArenaMax ?? chart.mallocArenaMax,
    chartMallocArenaMax: given.operatorMallocArenaMax === undefined,
  };
  const running: Running = {};
  const teardown = async (): Promise<void> => {
    const { operator, watch, admin, cp } = running;
    delete running.operator;
    delete running.cp;
    if (operator !== undefined) {
      const code = await Promise.race([operator.kill('SIGTERM'), sleep(15_000).then(() => 'timeout')]);
      if (code === 'timeout') await operator.kill('SIGKILL');
    }
    await watch?.stop();
    admin?.close();
    if (cp !== undefined && options.logDir !== '') {
      keepLogs(cp.dir, options.logDir);
      log(`logs kept in ${options.logDir}`);
    }
    await cp?.stop();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: tearing down`);
    void teardown().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await measure(options, running);
    const markdown = renderResult(result);
    console.log(`\n${markdown}\n`);
    if (options.writeReadme) log(`written to ${await saveToReadme(result, markdown)}`);
  } finally {
    await teardown();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function measure(options: ResolvedOptions, running: Running): Promise<ScaleResult> {
  const world = fleet(options);
  const startedAt = Date.now();
  const loadAtStart = loadavg()[0] ?? 0;
  log(
    `${describeShape(options)}; created ${options.create} the operator's run; idle ${options.idleSeconds} s`,
  );

  if (options.operatorBuild === 'dist') {
    log('building the operator (tsc -p tsconfig.build.json): the bench runs dist/operator/cli.js');
    await buildOperator();
  }
  const cp = (running.cp = await startControlPlane());
  const admin = (running.admin = kubeHttp(cp.kubeconfigPath, options.createConcurrency + 4));
  const version = await admin.get<{ gitVersion: string }>('/version');
  await installCrds(cp);
  const identity = await createOperatorIdentity(admin, caDataOf(cp.kubeconfigPath), cp.dir);
  await createControllerFlows(admin);
  for (const namespace of world.namespaces)
    await admin.request('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace },
    });
  await createAll(admin, world.secrets, options.createConcurrency);
  const watch = (running.watch = new FleetWatch(cp.kubeconfigPath));
  await watch.start();
  const machine =
    `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB, ` +
    `Linux ${release()}, Node ${process.version}, Kubernetes ${version.gitVersion} (apiserver, etcd, ` +
    `controller-manager, scheduler, kwok and the operator on the same machine, shared with other work: ` +
    `load average ${loadAtStart.toFixed(2)} at start)`;
  log(machine);

  const crs = [...world.gateways, ...world.models, ...world.virtualKeys];
  let t0 = Date.now();
  let createdAt: number | undefined;
  let apiserverStart = await apiserverSnapshot(admin, identity);
  let operatorStart = unstartedOperator;
  if (options.create === 'before') {
    await createAll(admin, crs, options.createConcurrency);
    createdAt = Date.now();
    log(`created ${crs.length} objects in ${((createdAt - t0) / 1000).toFixed(1)} s; starting the operator`);
    apiserverStart = await apiserverSnapshot(admin, identity);
  }

  const operatorStartedAt = Date.now();
  // Ready is timed from the first create, or (objects made before) from the operator's start.
  if (options.create === 'before') t0 = operatorStartedAt;
  const operator = (running.operator = await startOperator(options, cp.dir, identity.kubeconfigPath));
  let exited: string | undefined;
  void operator.exited.then((code) => (exited = `the operator exited (${code}); log: ${operator.logPath}`));
  log(`operator pid ${operator.pid}, log ${operator.logPath}`);
  await waitUntil('the operator to be ready', 60_000, async () => (await operator.readyz()) === 200);
  if (options.create === 'during') {
    // Counted from here: the operator's start-up (lists, watches) is not convergence.
    apiserverStart = await apiserverSnapshot(admin, identity);
    operatorStart = await operatorSnapshot(operator);
    t0 = Date.now();
  }
  const since = (at: number | undefined) => (at === undefined ? undefined : (at - t0) / 1000);
  const cpuByProcess = (): Map<string, number> =>
    new Map(
      [...cp.processes(), { name: 'operator', pid: operator.pid }]
        .filter(({ name }) => name !== 'watchdog')
        .map(({ name, pid }) => [name, procStats(pid).cpuSeconds]),
    );
  // In `before` mode the operator started after t0: its CPU so far is start-up, counted as convergence.
  const cpuAtStart =
    options.create === 'before'
      ? new Map([...cpuByProcess()].map(([name, cpu]) => [name, name === 'operator' ? 0 : cpu]))
      : cpuByProcess();
  const benchCpuAtStart = process.cpuUsage();
  const kubectlCpuAtStart = reapedChildrenCpuSeconds();

  const profiling =
    options.apiserverProfile === ''
      ? Promise.resolve()
      : apiserverProfile(admin, options.apiserverProfileSeconds, options.apiserverProfile).then(() => {
          log(`kube-apiserver CPU profile in ${options.apiserverProfile} (go tool pprof -top FILE)`);
        });
  const completer = new MigrationJobCompleter(cp, admin, options.jobCompleter, options.jobConcurrency);
  completer.attach(watch);
  let creationError: Error | undefined;
  if (options.create === 'during') {
    createAll(admin, crs, options.createConcurrency).then(
      () => {
        createdAt = Date.now();
        log(`created ${crs.length} objects in ${((createdAt - t0) / 1000).toFixed(1)} s`);
      },
      (error: unknown) => {
        creationError = error instanceof Error ? error : new Error(String(error));
      },
    );
  }

  let gatewaysReadyAt: number | undefined;
  let readyAt: number | undefined;
  let readyRssMb = 0;
  let lastReport = 0;
  const deadline = t0 + options.timeoutSeconds * 1000;
  while (readyAt === undefined) {
    if (exited !== undefined) throw new Error(exited);
    if (creationError !== undefined) throw creationError;
    if (Date.now() > deadline) throw new Error(`not converged after ${options.timeoutSeconds} s`);
    await sleep(pollMs);
    completer.check();
    if (createdAt === undefined) continue;
    const progress = checkProgress(watch, world, options.modelsPerGateway, options.keysPerGateway);
    if (gatewaysReadyAt === undefined && progress.gatewaysReady === world.gateways.length)
      gatewaysReadyAt = Date.now();
    if (progress.done) {
      readyAt = Date.now();
      readyRssMb = procStats(operator.pid).rssMb;
    }
    if (progress.done || Date.now() - lastReport >= 5_000) {
      lastReport = Date.now();
      log(
        `${fmtSeconds(since(Date.now()))}: ${describeProgress(progress, world)}; jobs ${completer.completed}/${completer.found} ` +
          `completed; operator RSS ${procStats(operator.pid).rssMb.toFixed(0)} MB, ${await heapLine(operator)}`,
      );
    }
  }
  const convergenceCpu = delta(cpuAtStart, cpuByProcess());
  const benchCpu = process.cpuUsage(benchCpuAtStart);
  convergenceCpu.set('bench', (benchCpu.user + benchCpu.system) / 1e6);
  convergenceCpu.set('bench kubectl', reapedChildrenCpuSeconds() - kubectlCpuAtStart);
  const apiserverReady = await apiserverSnapshot(admin, identity);
  const requestSeconds = delta(apiserverStart.requestSeconds, apiserverReady.requestSeconds);
  const controllerRequests = delta(apiserverStart.controllers, apiserverReady.controllers);
  log(
    `converged ${fmtSeconds(since(readyAt))} after the ${options.create === 'during' ? 'first create' : 'operator start'}`,
  );

  await profiling;
  // Writes still trickling after Ready (a last status, an event) belong to convergence.
  const quietAt = await waitForQuiet(operator, quietMs, deadline);
  const [apiserverConverged, operatorConverged] = [
    await apiserverSnapshot(admin, identity),
    await operatorSnapshot(operator),
  ];
  log(`quiet ${fmtSeconds(since(quietAt))}; idle window of ${options.idleSeconds} s starts`);
  const idleEnd = Date.now() + options.idleSeconds * 1000;
  while (Date.now() < idleEnd) {
    if (exited !== undefined) throw new Error(exited);
    await sleep(Math.min(5_000, Math.max(0, idleEnd - Date.now())));
  }
  const [apiserverIdle, operatorIdle] = [
    await apiserverSnapshot(admin, identity),
    await operatorSnapshot(operator),
  ];
  const convergenceFlows = delta(apiserverStart.flows, apiserverConverged.flows);
  const idleFlows = delta(apiserverConverged.flows, apiserverIdle.flows);
  log(`idle window over: ${total(writesOnly(idleFlows))} operator writes`);

  const notes = [
    `Operator memory at the end of the idle window: ${await heapLine(operator)}; resident by mapping (MB): ${mappingLine(operator.pid)}.`,
    ...(options.heapSnapshotDir !== '' ? [`${await heapSnapshot(operator, options.heapSnapshotDir)}.`] : []),
    `kube-controller-manager requests, ${options.create === 'during' ? 'first create' : 'operator start'} to Ready, of the controllers a rollout waits for (each has its own client limit, \`--kube-api-qps\` 20 by default): ${controllerLine(controllerRequests)}.`,
    `kube-apiserver time in requests by verb and resource, all clients, ${options.create === 'during' ? 'first create' : 'operator start'} to Ready (s): ${top(requestSeconds, 10)}.`,
  ];
  for (const note of notes) log(note);
  return {
    key: [
      `${options.gateways}x${options.modelsPerGateway}x${options.keysPerGateway}-${options.namespaces}ns-${options.create}`,
      ...(options.operatorBuild === 'ts' ? ['ts'] : []),
      // The chart's flags are the default: no suffix.
      ...(options.chartNodeOptions
        ? []
        : [options.operatorNodeOptions.replace(/[^a-z0-9=]+/gi, '-') || 'no-node-options']),
      ...(options.chartMallocArenaMax
        ? []
        : [`malloc-arena-max=${options.operatorMallocArenaMax || 'default'}`]),
    ].join('-'),
    title:
      `${describeShape(options)}, created ${options.create === 'during' ? 'while the operator runs' : 'before the operator starts'}` +
      (options.operatorBuild === 'ts' ? ', the operator from its .ts sources' : ', the operator compiled') +
      (options.chartNodeOptions
        ? ` with the chart's NODE_OPTIONS (\`${options.operatorNodeOptions}\`)`
        : options.operatorNodeOptions === ''
          ? ' without node flags'
          : ` with \`${options.operatorNodeOptions}\``) +
      (options.operatorMallocArenaMax === ''
        ? ', glibc malloc arenas at their default'
        : ` and MALLOC_ARENA_MAX=${options.operatorMallocArenaMax}`),
    command: reproduceCommand(),
    machine,
    date: new Date(startedAt).toISOString().slice(0, 10),
    timeline: [
      ['operator started', since(operatorStartedAt)],
      ['every object created', since(createdAt)],
      ['first migration Job pod seen', since(completer.firstSeenAt)],
      ['last migration Job completed by the bench', since(completer.lastCompletedAt)],
      ['every LLMGateway Ready', since(gatewaysReadyAt)],
      ['everything Ready (converged)', since(readyAt)],
      ['operator quiet (queue empty, no write for 10 s)', since(quietAt)],
    ],
    readySeconds: since(readyAt),
    readyFrom: options.create === 'during' ? 'first create' : 'operator start',
    convergenceWrites: writesOnly(convergenceFlows),
    idleWrites: writesOnly(idleFlows),
    selfReportedConvergence: delta(operatorStart.writes, operatorConverged.writes),
    selfReportedIdle: delta(operatorConverged.writes, operatorIdle.writes),
    operatorReads: { convergence: convergenceFlows.get('read *') ?? 0, idle: idleFlows.get('read *') ?? 0 },
    allClientWrites: {
      convergence: apiserverConverged.allWrites - apiserverStart.allWrites,
      idle: apiserverIdle.allWrites - apiserverConverged.allWrites,
    },
    reconciles: delta(operatorStart.reconciles, operatorConverged.reconciles),
    idleReconciles: total(delta(operatorConverged.reconciles, operatorIdle.reconciles)),
    idleSeconds: options.idleSeconds,
    peakRssMb: operatorIdle.proc.hwmMb,
    steadyRssMb: operatorIdle.proc.rssMb,
    readyRssMb,
    cpuSeconds: {
      convergence: operatorConverged.proc.cpuSeconds - operatorStart.proc.cpuSeconds,
      idle: operatorIdle.proc.cpuSeconds - operatorConverged.proc.cpuSeconds,
    },
    wallSeconds: (Date.now() - startedAt) / 1000,
    convergenceCpu,
    events: await operatorEventsByReason(admin),
    notes,
  };
}

/**
 * The operator via the e2e helper, with the bench's extra node flags (profiles) in NODE_OPTIONS and the
 * malloc arenas in MALLOC_ARENA_MAX (the helper passes the bench's environment on).
 */
async function startOperator(
  options: ResolvedOptions,
  dir: string,
  kubeconfigPath: string,
): Promise<OperatorProcess> {
  const nodeOptions = [
    options.operatorNodeOptions,
    options.heapSnapshotDir === ''
      ? ''
      : `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${options.heapSnapshotDir}`,
  ]
    .join(' ')
    .trim();
  const previous = { NODE_OPTIONS: process.env.NODE_OPTIONS, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX };
  const set = (name: keyof typeof previous, value: string | undefined): void => {
    if (value === undefined || value === '') Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  };
  set('NODE_OPTIONS', nodeOptions);
  set('MALLOC_ARENA_MAX', options.operatorMallocArenaMax);
  try {
    return await startOperatorProcess({
      kubeconfigPath,
      dir,
      name: 'scale-operator',
      podNamespace: operatorNamespace,
      ...(options.operatorBuild === 'dist' ? { cli: join(repoRoot, 'dist/operator/cli.js') } : {}),
    });
  } finally {
    set('NODE_OPTIONS', previous.NODE_OPTIONS);
    set('MALLOC_ARENA_MAX', previous.MALLOC_ARENA_MAX);
  }
}

const repoRoot = join(import.meta.dirname, '../..');

/** The operator as the image builds it (`npm run build` compiles the same tsconfig.build.json). */
async function buildOperator(): Promise<void> {
  await promisify(execFile)(
    process.execPath,
    [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(repoRoot, 'tsconfig.build.json')],
    { cwd: repoRoot },
  );
}

/** Creates the objects (an existing one is fine: a rerun against a kept cluster). */
async function createAll(
  admin: KubeHttp,
  objects: readonly ScaleObject[],
  concurrency: number,
): Promise<void> {
  await forEachLimited(objects, concurrency, async (object) => {
    try {
      await admin.request('POST', collectionUrl(object), object);
    } catch (error) {
      if (!(error instanceof KubeHttpError && error.status === 409)) throw error;
    }
  });
}

function caDataOf(kubeconfigPath: string): string {
  const config = JSON.parse(readFileSync(kubeconfigPath, 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data'?: string } }[];
  };
  const ca = config.clusters[0]?.cluster['certificate-authority-data'];
  if (ca === undefined) throw new Error(`${kubeconfigPath} has no CA`);
  return ca;
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function top(counts: ReadonlyMap<string, number>, count: number): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, value]) => `${key.trim()} ${value.toFixed(1)}`)
    .join(', ');
}

function reproduceCommand(): string {
  const knobs = Object.entries(process.env)
    .filter(([name]) => name.startsWith('SCALE_') && name !== 'SCALE_WRITE_README')
    .map(([name, value]) => `${name}=${value ?? ''}`)
    .sort();
  return [...knobs, 'npm run bench:operator'].join(' ');
}

await main();
