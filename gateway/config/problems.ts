export type Severity = 'error' | 'warning';

/** One thing wrong with a config file, located by its path (`model_list[2].litellm_params.model`). */
export interface ConfigProblem {
  path: string;
  message: string;
  severity: Severity;
  /** A referenced file that could not be read: it may still be on its way (a volume updated after another). */
  unreadableFile?: string;
}

export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.severity}: ${problem.path}: ${problem.message}`;
}

/** A config that cannot be served at all. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(`invalid config:\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
