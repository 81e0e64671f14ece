// Prometheus text format, just enough to group samples by some of their labels.
export interface Sample {
  readonly name: string;
  readonly labels: ReadonlyMap<string, string>;
  readonly value: number;
}

export function samples(text: string, name: string): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const labels = new Map<string, string>();
    for (const label of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels.set(label[1] ?? '', label[2] ?? '');
    found.push({ name, labels, value: Number(match[3]) });
  }
  return found;
}

/** Sums of `name` grouped by the values of `by` (joined with a space), optionally filtered. */
export function grouped(
  text: string,
  name: string,
  by: readonly string[],
  keep: (labels: ReadonlyMap<string, string>) => boolean = () => true,
): Map<string, number> {
  const sums = new Map<string, number>();
  for (const sample of samples(text, name)) {
    if (!keep(sample.labels)) continue;
    const key = by.map((label) => sample.labels.get(label) ?? '').join(' ');
    sums.set(key, (sums.get(key) ?? 0) + sample.value);
  }
  return sums;
}

/** `after - before`, per key, dropping zeros. */
export function delta(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): Map<string, number> {
  const result = new Map<string, number>();
  for (const [key, value] of after) {
    const change = value - (before.get(key) ?? 0);
    if (change !== 0) result.set(key, change);
  }
  return result;
}

export function total(counts: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const value of counts.values()) sum += value;
  return sum;
}
