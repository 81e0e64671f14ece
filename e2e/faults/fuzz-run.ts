import fc from 'fast-check';

/** What one fuzzed request came to: its status (for the tally) and what was wrong with the answer. */
export interface Checked {
  readonly status: string;
  readonly violations: readonly string[];
}

export interface FuzzResult {
  readonly runs: number;
  /** Answers by status, e.g. `400x12`. */
  readonly statuses: string;
  /** Undefined when every answer was right; else the first wrong answer and the smallest one found. */
  readonly failure: string | undefined;
}

/**
 * Runs a fast-check property over a live gateway. The gateway keeps state between requests (cooldowns, keys),
 * so the shrunk example may owe its failure to what came before it: the first failing request is reported
 * too, as it was sent. FUZZ_SEED replays a run.
 */
export async function fuzz<T>(
  arbitrary: fc.Arbitrary<T>,
  options: {
    readonly numRuns: number;
    readonly seed: number;
    /** Tried first, whatever the seed: known-hostile cases that must always be covered. */
    readonly examples?: readonly T[];
    readonly describe: (value: T) => string;
    readonly check: (value: T) => Promise<Checked>;
  },
): Promise<FuzzResult> {
  const statuses = new Map<string, number>();
  let runs = 0;
  let first: string | undefined;
  let failure: string | undefined;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      runs++;
      const { status, violations } = await options.check(value);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (violations.length === 0) return;
      first ??= `${violations.join('\n')}\nrequest: ${options.describe(value)}`;
      throw new Error(violations.join('\n'));
    }),
    {
      numRuns: options.numRuns,
      seed: options.seed,
      examples: (options.examples ?? []).map((example): [T] => [example]),
      asyncReporter: (details) => {
        if (details.failed) {
          const [smallest] = details.counterexample ?? [];
          failure =
            `first wrong answer: ${first ?? '?'}\n` +
            `smallest request found by shrinking: ${smallest === undefined ? '?' : options.describe(smallest)}\n` +
            `replay: FUZZ_SEED=${details.seed}`;
        }
        return Promise.resolve();
      },
    },
  );
  return {
    runs,
    statuses: [...statuses]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, count]) => `${status}x${count}`)
      .join(','),
    failure,
  };
}
