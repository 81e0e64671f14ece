import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Where the bench keeps what it installs on demand (other gateways, the load generator). */
export const benchCache = join(homedir(), '.cache', 'switchyard', 'bench');

const run = promisify(execFile);

/**
 * Runs `install` into `dir` once: a marker written after it succeeds, so an interrupted install is redone
 * rather than half used. Returns `dir`.
 */
export async function installOnce(
  dir: string,
  what: string,
  install: (dir: string) => Promise<void>,
): Promise<string> {
  const marker = join(dir, '.installed');
  if (existsSync(marker)) return dir;
  console.log(`installing ${what} into ${dir} (once)`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await install(dir);
  writeFileSync(marker, `${what}\n`);
  return dir;
}

/** Runs a command and returns its stdout; a failure's message carries the end of its stderr. */
export async function command(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
): Promise<string> {
  try {
    const { stdout } = await run(file, args, {
      env: { ...process.env, ...env },
      ...(cwd === undefined ? {} : { cwd }),
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${file} ${args.join(' ')} failed${tail === '' ? '' : `: ${tail}`}`, { cause: error });
  }
}
