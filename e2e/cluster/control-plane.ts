// A real Kubernetes control plane for e2e tests: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (fake node + pod
// lifecycle), all on loopback ports, with state in a temp dir. Binaries come
// from ./build.sh. No containers and no kubelet: pods never run, kwok only
// fakes their status.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const HERE = import.meta.dirname;
const NODE_NAME = 'kwok-node-0';
const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
const SERVICE_CIDR = '10.0.0.0/24';
const SERVICE_IP = '10.0.0.1';
const POD_CIDR = '10.244.0.0/16';
const APISERVER_SANS = [
  'IP:127.0.0.1',
  `IP:${SERVICE_IP}`,
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
].join(',');
const STOP_GRACE_MS = 10_000;
// ECDSA keys: much faster to make than RSA, and every component accepts them.
const EC_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';

export interface ControlPlaneOptions {
  /** Directory holding the binaries; default: whatever ./build.sh builds. */
  binDir?: string;
  /** How long each component may take to become ready. Default 60 s. */
  readyTimeoutMs?: number;
}

export type JobPodOutcome = 'Succeeded' | 'Failed';

export interface ControlPlane {
  /** Temp dir with certs, etcd data, kubeconfig and one log file per process. */
  readonly dir: string;
  /** Admin (system:masters) kubeconfig with embedded credentials. */
  readonly kubeconfigPath: string;
  readonly apiserverUrl: string;
  /** Holds kubectl and helm (and the control-plane binaries). */
  readonly binDir: string;
  /** The kwok-managed fake node that pods get scheduled to. */
  readonly nodeName: string;
  /** Runs kubectl against this cluster; resolves to stdout. */
  kubectl(args: readonly string[], stdin?: string): Promise<string>;
  /**
   * Crashes kube-apiserver (SIGKILL), stays down for `downtimeMs`, starts it
   * again and waits for /readyz. (A graceful SIGTERM would take 60 s while
   * controllers hold watches open.)
   */
  restartApiserver(opts?: { downtimeMs?: number }): Promise<void>;
  /**
   * Ends the running pods of a Job with the given outcome, as a kubelet would
   * report it, and resolves to how many pods were ended. Waits until the Job
   * has at least one pod and all its live pods are Running (kwok's doing).
   */
  completeJobPods(namespace: string, jobName: string, outcome: JobPodOutcome): Promise<number>;
  /** Live processes (including the orphan watchdog), for leak checks. */
  processes(): { name: string; pid: number }[];
  /** Kills every process (SIGTERM, then SIGKILL) and removes `dir`. */
  stop(): Promise<void>;
}

interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logPath: string;
  /** Resolves with how it ended; also when it never started (spawn error). */
  readonly exited: Promise<string>;
  /** Set once `exited` resolved. */
  ended?: string;
}

interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binDir = opts.binDir ?? (await buildBinaries());
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-k8s-'));
  const cluster = new Cluster(dir, binDir, readyTimeoutMs);
  try {
    await cluster.start();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Runs ./build.sh (a no-op once built) and returns its bin dir. */
export async function buildBinaries(): Promise<string> {
  const { stdout } = await execFileAsync('bash', [join(HERE, 'build.sh')], { maxBuffer: 16 << 20 });
  const binDir = stdout.trim().split('\n').at(-1);
  if (!binDir) throw new Error('build.sh printed no bin dir');
  return binDir;
}

/**
 * Polls `probe` until it returns a value other than undefined; probe errors
 * count as "not yet". Gives up at once when `signal` aborts.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  {
    timeoutMs = 60_000,
    intervalMs = 250,
    signal,
  }: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs, signal);
  }
}

class Cluster implements ControlPlane {
  readonly dir: string;
  readonly binDir: string;
  readonly kubeconfigPath: string;
  readonly nodeName = NODE_NAME;
  private readonly readyTimeoutMs: number;
  private readonly procs = new Map<string, Proc>();
  private ports: Ports | undefined;
  private watchdog: ChildProcess | undefined;
  private stopping = false;

  constructor(dir: string, binDir: string, readyTimeoutMs: number) {
    this.dir = dir;
    this.binDir = binDir;
    this.readyTimeoutMs = readyTimeoutMs;
    this.kubeconfigPath = join(dir, 'kubeconfig');
  }

  get apiserverUrl(): string {
    return `https://127.0.0.1:${this.requirePorts().apiserver}`;
  }

  async start(): Promise<void> {
    liveClusters.add(this);
    mkdirSync(join(this.dir, 'pids'));
    this.watchdog = startWatchdog(this.dir);
    await generateCerts(this.dir);
    this.ports = { etcdClient: await freePort(), etcdPeer: await freePort(), apiserver: await freePort() };
    await this.writeKubeconfig();

    this.startEtcd();
    await this.waitReady('etcd', () => this.etcdHealthy());
    await this.startApiserver();
    this.startControllerManager();
    this.startScheduler();
    this.startKwok();
    await this.createFakeNode();
    await this.waitReady(`node ${NODE_NAME} Ready`, () => this.nodeReady());
    // Pods are rejected until the service-account controller made this.
    await this.waitReady('default service account', async () =>
      (await this.kubectl(['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name']))
        ? true
        : undefined,
    );
  }

  async kubectl(args: readonly string[], stdin?: string): Promise<string> {
    return runCommand(join(this.binDir, 'kubectl'), ['--kubeconfig', this.kubeconfigPath, ...args], stdin);
  }

  private async getJson<T>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.kubectl([...args, '-o', 'json'])) as T;
  }

  async restartApiserver({ downtimeMs = 0 }: { downtimeMs?: number } = {}): Promise<void> {
    const apiserver = this.procs.get('kube-apiserver');
    if (apiserver) await terminate(apiserver, 0);
    await sleep(downtimeMs);
    await this.startApiserver();
  }

  async completeJobPods(namespace: string, jobName: string, outcome: JobPodOutcome): Promise<number> {
    const selector = `batch.kubernetes.io/job-name=${jobName}`;
    const pods = await this.waitReady(`running pods of job ${namespace}/${jobName}`, async () => {
      const { items } = await this.getJson<PodList>(['get', 'pods', '-n', namespace, '-l', selector]);
      const live = items.filter((pod) => !isTerminal(pod) && !pod.metadata.deletionTimestamp);
      return live.length > 0 && live.every((pod) => pod.status?.phase === 'Running') ? live : undefined;
    });
    for (const pod of pods) {
      const patch = JSON.stringify(terminalStatusPatch(pod, outcome));
      await this.kubectl([
        'patch',
        `pod/${pod.metadata.name}`,
        '-n',
        namespace,
        '--subresource=status',
        '-p',
        patch,
      ]);
    }
    return pods.length;
  }

  processes(): { name: string; pid: number }[] {
    const live = [...this.procs.values()]
      .filter((proc) => proc.ended === undefined)
      .map((proc) => ({ name: proc.name, pid: proc.child.pid ?? -1 }));
    if (this.watchdog?.pid !== undefined) live.push({ name: 'watchdog', pid: this.watchdog.pid });
    return live;
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopWatchdog();
    // Clients first, etcd last, so the apiserver can shut down cleanly.
    const procs = [...this.procs.values()];
    await Promise.all(
      procs.filter((proc) => proc.name !== 'etcd').map((proc) => terminate(proc, STOP_GRACE_MS)),
    );
    await Promise.all(
      procs.filter((proc) => proc.name === 'etcd').map((proc) => terminate(proc, STOP_GRACE_MS)),
    );
    rmSync(this.dir, { recursive: true, force: true });
    liveClusters.delete(this);
  }

  /** Synchronous last resort for process exit: no time to be graceful. */
  killNow(): void {
    this.stopWatchdog();
    for (const proc of this.procs.values()) proc.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private stopWatchdog(): void {
    // Negative pid: the watchdog's whole process group, including its `sleep`.
    if (this.watchdog?.pid !== undefined) killQuietly(-this.watchdog.pid);
    this.watchdog = undefined;
  }

  private requirePorts(): Ports {
    if (!this.ports) throw new Error('control plane not started');
    return this.ports;
  }

  private file(name: string): string {
    return join(this.dir, name);
  }

  private startEtcd(): void {
    const { etcdClient, etcdPeer } = this.requirePorts();
    const client = `http://127.0.0.1:${etcdClient}`;
    const peer = `http://127.0.0.1:${etcdPeer}`;
    this.spawn('etcd', [
      '--name=default',
      `--data-dir=${this.file('etcd')}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      // Test data is throwaway; fsync only slows every write down.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
  }

  private async startApiserver(): Promise<void> {
    const { etcdClient, apiserver } = this.requirePorts();
    this.spawn('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      `--secure-port=${apiserver}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // Nothing to reconcile: the kubernetes Service has no real endpoint.
      '--endpoint-reconciler-type=none',
      '--authorization-mode=RBAC',
      `--client-ca-file=${this.file('ca.crt')}`,
      `--tls-cert-file=${this.file('apiserver.crt')}`,
      `--tls-private-key-file=${this.file('apiserver.key')}`,
      // Otherwise it tries to write self-signed certs to /var/run/kubernetes.
      `--cert-dir=${this.file('apiserver-certs')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${this.file('sa.pub')}`,
      `--service-account-signing-key-file=${this.file('sa.key')}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--allow-privileged=true',
    ]);
    await this.waitReady('kube-apiserver /readyz', async () =>
      (await this.httpsGet('/readyz')) === 'ok' ? true : undefined,
    );
  }

  private startControllerManager(): void {
    this.spawn('kube-controller-manager', [
      `--kubeconfig=${this.kubeconfigPath}`,
      '--leader-elect=false',
      // No health endpoint needed; 0 also spares a port and a serving cert.
      '--secure-port=0',
      '--controllers=*',
      '--use-service-account-credentials',
      `--service-account-private-key-file=${this.file('sa.key')}`,
      `--root-ca-file=${this.file('ca.crt')}`,
    ]);
  }

  private startScheduler(): void {
    this.spawn('kube-scheduler', [
      `--kubeconfig=${this.kubeconfigPath}`,
      '--leader-elect=false',
      '--secure-port=0',
    ]);
  }

  private startKwok(): void {
    this.spawn('kwok', [
      `--kubeconfig=${this.kubeconfigPath}`,
      `--config=${join(HERE, 'kwok-stages.yaml')}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
      // kwok keeps the node's Lease fresh, so the node lifecycle controller
      // never taints the node unreachable and evicts its pods.
      '--node-lease-duration-seconds=40',
      // Pod IPs must not overlap the service range.
      `--cidr=${POD_CIDR}`,
    ]);
  }

  private async createFakeNode(): Promise<void> {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: NODE_NAME,
        annotations: { [KWOK_NODE_ANNOTATION]: 'fake' },
        labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', type: 'kwok' },
      },
    };
    await this.kubectl(['create', '-f', '-'], JSON.stringify(node));
  }

  private async nodeReady(): Promise<true | undefined> {
    const status = await this.kubectl([
      'get',
      'node',
      NODE_NAME,
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    ]);
    return status === 'True' ? true : undefined;
  }

  private async etcdHealthy(): Promise<true | undefined> {
    const res = await fetch(`http://127.0.0.1:${this.requirePorts().etcdClient}/health`);
    const body = (await res.json()) as { health?: string };
    return body.health === 'true' ? true : undefined;
  }

  /** Like waitFor, but fails fast (with its log tail) when a process died. */
  private async waitReady<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const anyDied = new AbortController();
    for (const proc of this.procs.values()) {
      void proc.exited.then((how) => {
        anyDied.abort(new Error(`${proc.name} ${how} while waiting for ${what}`));
      });
    }
    try {
      return await waitFor(what, probe, { timeoutMs: this.readyTimeoutMs, signal: anyDied.signal });
    } catch (err) {
      const dead = [...this.procs.values()].find((proc) => proc.ended !== undefined);
      const proc = dead ?? this.procs.get('kube-apiserver');
      const tail = proc ? `\n--- last lines of ${proc.logPath} ---\n${await logTail(proc.logPath)}` : '';
      throw new Error(`${(err as Error).message}${tail}`, { cause: err });
    }
  }

  private spawn(name: string, args: string[]): void {
    const logPath = this.file(`${name}.log`);
    const log = openSync(logPath, 'a');
    const child = spawn(join(this.binDir, name), args, { stdio: ['ignore', log, log] });
    closeSync(log);
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => {
        resolve(`exited with ${signal ?? `code ${code}`}`);
      });
      child.once('error', (err) => {
        resolve(`failed to start: ${err.message}`);
      });
    });
    const proc: Proc = { name, child, logPath, exited };
    void exited.then((how) => (proc.ended = how));
    if (child.pid !== undefined) writeFileSync(this.file(`pids/${name}`), String(child.pid));
    this.procs.set(name, proc);
  }

  private async writeKubeconfig(): Promise<void> {
    const b64 = async (name: string) => (await readFile(this.file(name))).toString('base64');
    // JSON is valid YAML, and kubeconfig readers accept it.
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'switchyard-e2e',
          cluster: { server: this.apiserverUrl, 'certificate-authority-data': await b64('ca.crt') },
        },
      ],
      users: [
        {
          name: 'admin',
          user: {
            'client-certificate-data': await b64('admin.crt'),
            'client-key-data': await b64('admin.key'),
          },
        },
      ],
      contexts: [{ name: 'switchyard-e2e', context: { cluster: 'switchyard-e2e', user: 'admin' } }],
      'current-context': 'switchyard-e2e',
    };
    await writeFile(this.kubeconfigPath, JSON.stringify(kubeconfig, null, 2), { mode: 0o600 });
  }

  private async httpsGet(path: string): Promise<string> {
    const [ca, cert, key] = await Promise.all(
      ['ca.crt', 'admin.crt', 'admin.key'].map((f) => readFile(this.file(f))),
    );
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.apiserverUrl}${path}`,
        { ca, cert, key, agent: false, timeout: 5_000 },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            resolve(body);
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
      req.on('error', reject);
      req.end();
    });
  }
}

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { containers: { name: string; image: string }[] };
  status?: { phase?: string };
}

interface PodList {
  items: Pod[];
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** The status a kubelet reports once every container exited. */
function terminalStatusPatch(pod: Pod, outcome: JobPodOutcome): object {
  const now = new Date().toISOString();
  const exitCode = outcome === 'Succeeded' ? 0 : 1;
  const reason = outcome === 'Succeeded' ? 'Completed' : 'Error';
  const notReady = { status: 'False', reason: 'PodCompleted', lastTransitionTime: now };
  return {
    status: {
      phase: outcome,
      // Strategic merge: conditions merge by type, containerStatuses are replaced.
      conditions: [
        { type: 'Ready', ...notReady },
        { type: 'ContainersReady', ...notReady },
      ],
      containerStatuses: pod.spec.containers.map(({ name, image }) => ({
        name,
        image,
        ready: false,
        started: false,
        restartCount: 0,
        state: { terminated: { exitCode, reason, startedAt: now, finishedAt: now } },
      })),
    },
  };
}

/** CA, apiserver serving cert, admin client cert and service-account key pair, all in `dir`. */
async function generateCerts(dir: string): Promise<void> {
  await openssl(
    dir,
    `req -x509 ${EC_KEY} -days 2 -subj /CN=switchyard-e2e-ca -keyout ca.key -out ca.crt
     -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign`,
  );
  await Promise.all([
    issueCert(dir, 'apiserver', '/CN=kube-apiserver', [
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${APISERVER_SANS}`,
    ]),
    // O=system:masters: bound to cluster-admin without any RBAC objects.
    issueCert(dir, 'admin', '/O=system:masters/CN=switchyard-e2e-admin', ['extendedKeyUsage=clientAuth']),
    openssl(dir, 'genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key').then(() =>
      openssl(dir, 'pkey -in sa.key -pubout -out sa.pub'),
    ),
  ]);
}

/** Writes <name>.key and <name>.crt, signed by ca.key. */
async function issueCert(dir: string, name: string, subject: string, extensions: string[]): Promise<void> {
  await openssl(dir, `req -new ${EC_KEY} -subj ${subject} -keyout ${name}.key -out ${name}.csr`);
  await writeFile(join(dir, `${name}.ext`), ['keyUsage=critical,digitalSignature', ...extensions].join('\n'));
  await openssl(
    dir,
    `x509 -req -in ${name}.csr -CA ca.crt -CAkey ca.key -days 2 -extfile ${name}.ext -out ${name}.crt`,
  );
}

/** Runs openssl in `dir`; `command` is split on whitespace (file names are relative, so no spaces). */
async function openssl(dir: string, command: string): Promise<void> {
  await execFileAsync('openssl', command.trim().split(/\s+/), { cwd: dir });
}

async function runCommand(file: string, args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err)
        reject(
          new Error(`${file} ${args.join(' ')} failed: ${stderr.trim() || err.message}`, { cause: err }),
        );
      else resolve(stdout);
    });
    child.stdin?.end(stdin ?? '');
  });
}

/** A port the kernel just handed out; two runs can't both be given it. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs` (at once if 0); resolves once it exited. */
async function terminate(proc: Proc, graceMs: number): Promise<void> {
  if (proc.ended !== undefined) return;
  proc.child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/**
 * Kills the cluster's processes (listed in <dir>/pids) and removes <dir> once
 * this Node process is gone, however it went (even SIGKILL, where no exit
 * handler runs). Detached: its own process group, so it survives us.
 */
function startWatchdog(dir: string): ChildProcess {
  const script = `
    while kill -0 "$1" 2>/dev/null; do sleep 1; done
    for f in "$2"/pids/*; do kill -9 "$(cat "$f")" 2>/dev/null; done
    rm -rf "$2"`;
  const child = spawn('sh', ['-c', script, 'watchdog', String(process.pid), dir], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}

async function logTail(path: string, lines = 40): Promise<string> {
  try {
    const text = (await readFile(path, 'utf8')).trimEnd();
    return text ? text.split('\n').slice(-lines).join('\n') : '(empty log)';
  } catch {
    return '(no log)';
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Resolves after `ms`, or early when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

const liveClusters = new Set<Cluster>();
process.once('exit', () => {
  for (const cluster of liveClusters) cluster.killNow();
});
