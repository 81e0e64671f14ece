import { accessSync, constants, readFileSync } from 'node:fs';
import { filePrefix } from './secret.ts';
import { formatPath, type ConfigProblem } from './problems.ts';

const envPrefix = 'os.environ/';

/** Keys whose file references stay references, re-read at call time so they can rotate. */
export function isCredentialKey(key: string): boolean {
  return /(^|_)(key|token|secret|password)$/.test(key);
}

/**
 * Resolves `os.environ/NAME` everywhere and `file:/path` outside credential keys, returning a new tree.
 * A missing variable or unreadable file becomes an error at its path.
 */
export function resolveReferences(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') return resolveString(value, env, problems, path);
  if (Array.isArray(value))
    return value.map((item, index) => resolveReferences(item, env, problems, [...path, index]));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        resolveReferences(item, env, problems, [...path, key]),
      ]),
    );
  }
  return value;
}

function resolveString(
  value: string,
  env: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
  path: PropertyKey[],
): string {
  let resolved = value;
  if (value.startsWith(envPrefix)) {
    const name = value.slice(envPrefix.length);
    const found = env[name];
    if (found === undefined) {
      problems.push({
        path: formatPath(path),
        message: `environment variable ${name} is not set`,
        severity: 'error',
      });
      return '';
    }
    resolved = found;
  }
  if (!resolved.startsWith(filePrefix)) return resolved;

  const file = resolved.slice(filePrefix.length);
  const key = path.at(-1);
  try {
    if (typeof key === 'string' && isCredentialKey(key)) {
      accessSync(file, constants.R_OK);
      return resolved;
    }
    return readFileSync(file, 'utf8').trim();
  } catch {
    problems.push({
      path: formatPath(path),
      message: `cannot read file ${file}`,
      severity: 'error',
      unreadableFile: file,
    });
    return '';
  }
}
