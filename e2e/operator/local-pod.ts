// A pod's container run as a local process, from what the apiserver holds: its env resolved the way the
// kubelet resolves it (secretKeyRef from the Secrets given), its ConfigMap/Secret volumes written under a
// temp root with the kubelet's layout (a timestamped dir, `..data` symlink, per-file symlinks) and updated
// the way the kubelet updates them (new dir, atomic rename of `..data`). Nothing here knows the gateway.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

export interface EnvVarJson {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

export interface VolumeMountJson {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}

export interface VolumeJson {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string };
  emptyDir?: object;
}

export interface ContainerJson {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVarJson[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: VolumeMountJson[];
  readinessProbe?: { httpGet: { path: string; port: string | number } };
}

export interface PodSpecJson {
  containers: ContainerJson[];
  volumes?: VolumeJson[];
}

/** A Secret as `kubectl get -o json` shows it: values base64 in `data`. */
export interface SecretJson {
  metadata: { name: string };
  data?: Record<string, string>;
}

/** The container's environment as the kubelet gives it: literal values, and Secret keys looked up. */
export function resolveEnv(
  env: readonly EnvVarJson[],
  secrets: ReadonlyMap<string, SecretJson>,
): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const variable of env) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref === undefined) {
      if (variable.valueFrom !== undefined) throw new Error(`${variable.name}: unsupported valueFrom`);
      resolved[variable.name] = variable.value ?? '';
      continue;
    }
    const data = secrets.get(ref.name)?.data?.[ref.key];
    if (data === undefined) {
      if (ref.optional === true) continue;
      throw new Error(`${variable.name}: Secret ${ref.name} has no key ${ref.key} (the pod would not start)`);
    }
    resolved[variable.name] = Buffer.from(data, 'base64').toString('utf8');
  }
  return resolved;
}

/** A volume's files: ConfigMap `data` as text, Secret `data` decoded from base64. */
export function volumeFiles(
  volume: VolumeJson,
  configMaps: ReadonlyMap<string, { data?: Record<string, string> }>,
  secrets: ReadonlyMap<string, SecretJson>,
): Record<string, Buffer> {
  if (volume.configMap !== undefined) {
    const data = configMaps.get(volume.configMap.name)?.data;
    if (data === undefined)
      throw new Error(`volume ${volume.name}: ConfigMap ${volume.configMap.name} not read`);
    return Object.fromEntries(Object.entries(data).map(([key, text]) => [key, Buffer.from(text, 'utf8')]));
  }
  if (volume.secret !== undefined) {
    const data = secrets.get(volume.secret.secretName)?.data;
    if (data === undefined)
      throw new Error(`volume ${volume.name}: Secret ${volume.secret.secretName} not read`);
    return Object.fromEntries(Object.entries(data).map(([key, b64]) => [key, Buffer.from(b64, 'base64')]));
  }
  return {};
}

let generation = 0;

/**
 * Writes `files` into `dir` as the kubelet's AtomicWriter does: the payload goes to a fresh hidden
 * `..<timestamp>` dir, a `..data_tmp` symlink to it is renamed over `..data` (one atomic step, so a reader
 * sees the old set or the new set, never a mix), each visible name is a symlink `name -> ..data/name`, and
 * the old payload dir and names no longer in the payload are removed afterwards.
 */
export function writeAtomically(dir: string, files: Readonly<Record<string, Buffer | string>>): void {
  mkdirSync(dir, { recursive: true });
  const dataLink = join(dir, '..data');
  const previous = existsSync(dataLink) ? readlinkSync(dataLink) : undefined;
  const stamp = new Date().toISOString().replace(/[-:.TZ]/g, '_');
  const payload = `..${stamp}.${process.pid}${String(++generation)}`;
  mkdirSync(join(dir, payload));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, payload, name), content);
  const tmpLink = join(dir, '..data_tmp');
  rmSync(tmpLink, { force: true });
  symlinkSync(payload, tmpLink);
  renameSync(tmpLink, dataLink);
  for (const name of Object.keys(files)) {
    const link = join(dir, name);
    if (!existsSync(link)) symlinkSync(join('..data', name), link);
  }
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('..') || entry in files) continue;
    if (lstatSync(join(dir, entry)).isSymbolicLink()) rmSync(join(dir, entry));
  }
  if (previous !== undefined && previous !== payload)
    rmSync(join(dir, previous), { recursive: true, force: true });
}

/** Where a pod path lands under `root` (the mounts are laid out at their own paths below it). */
export function underRoot(root: string, podPath: string): string {
  return join(root, podPath);
}

/** Env values that are paths inside one of the container's mounts, moved under `root` (as seen from here). */
export function mapMountedPaths(
  env: Readonly<Record<string, string>>,
  mounts: readonly VolumeMountJson[],
  root: string,
): Record<string, string> {
  const inMount = (value: string) =>
    mounts.some((mount) => value === mount.mountPath || value.startsWith(`${mount.mountPath}/`));
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, inMount(value) ? underRoot(root, value) : value]),
  );
}

export interface LocalProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
  /** Sends `signal` (SIGKILL after `graceMs`) and waits for the exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Runs `node <script> ...args` with exactly `env` (no inherited environment), as an image's entrypoint would. */
export function runNode(
  script: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  cwd: string,
): LocalProcess {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...env },
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-200_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = once(child, 'exit').then(([code, signal]) => {
    live.delete(child);
    return (code as number | null) ?? (signal as string | null) ?? 'unknown';
  });
  return {
    child,
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
