import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { barChart } from './chart.ts';
import { checks, type Row } from './results.ts';
import { format } from './stats.ts';
import type { StreamResult } from './stream-client.ts';

export interface RunContext {
  readonly machine: string;
  readonly settings: string;
  readonly versions: string;
  readonly date: string;
  readonly command: string;
}

const start = '<!-- bench:results:start -->';
const end = '<!-- bench:results:end -->';
export const chartFile = 'cpu-per-request.svg';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(header),
    line(header.map((_, index) => (index === 0 ? '---' : '---:'))),
    ...rows.map(line),
  ].join('\n');
}

const ms = (value: number | undefined) => format(value, 3);
const direct = (rows: readonly Row[]) => rows.find((row) => row.id === 'direct');

function throughput(rows: readonly Row[]): string {
  return table(
    ['contender', 'CPU µs/request', 'req/s (32 conn.)', 'errors', 'peak RSS (MiB)'],
    rows.map((row) => [
      row.name,
      row.id === 'direct' ? '—' : format(row.cpuUs, 1),
      format(row.rps, 0),
      row.loadErrors === undefined ? 'n/a' : String(row.loadErrors),
      row.id === 'direct' ? '—' : format(row.peakRssMiB, 0),
    ]),
  );
}

function latency(rows: readonly Row[], rates: readonly number[]): string {
  const base = direct(rows)?.c1;
  const rate = (row: Row, value: number) => {
    const result = row.rates.get(value);
    if (result === undefined) return 'n/a';
    if (typeof result === 'string') return result;
    const failed = result.success < 1 ? ` (${format((1 - result.success) * 100, 1)}% failed)` : '';
    return `${ms(result.p50)} / ${ms(result.p99)}${failed}`;
  };
  return table(
    [
      'contender',
      'c=1 p50',
      'c=1 p99',
      'added p50',
      'added p99',
      ...rates.map((value) => `${value.toLocaleString('en')} rps p50 / p99`),
    ],
    rows.map((row) => [
      row.name,
      ms(row.c1?.p50),
      ms(row.c1?.p99),
      row.id === 'direct' ? '—' : ms((row.c1?.p50 ?? NaN) - (base?.p50 ?? NaN)),
      row.id === 'direct' ? '—' : ms((row.c1?.p99 ?? NaN) - (base?.p99 ?? NaN)),
      ...rates.map((value) => rate(row, value)),
    ]),
  );
}

function streaming(rows: readonly Row[], streams: number): string {
  const base = direct(rows)?.ttft;
  const held = (result: StreamResult | undefined) =>
    result === undefined
      ? ['n/a', 'n/a', 'n/a', 'n/a']
      : [
          `${result.completed} / ${result.streams}${result.errors > 0 ? ` (${result.errors} errors)` : ''}`,
          String(result.peakOpen),
          `${ms(result.ttftP50)} / ${ms(result.ttftP99)}`,
          format(result.wallMs / 1000, 2),
        ];
  return table(
    [
      'contender',
      'TTFT p50',
      'TTFT p99',
      'added TTFT p50',
      `${streams} streams: complete`,
      'peak open',
      'TTFT p50 / p99',
      'wall (s)',
    ],
    rows.map((row) => [
      row.name,
      ms(row.ttft?.ttftP50),
      ms(row.ttft?.ttftP99),
      row.id === 'direct' ? '—' : ms((row.ttft?.ttftP50 ?? NaN) - (base?.ttftP50 ?? NaN)),
      ...held(row.held),
    ]),
  );
}

function targets(rows: readonly Row[]): string {
  return checks(rows)
    .map(
      (check) =>
        `- ${check.pass === undefined ? 'n/a ' : check.pass ? 'PASS' : 'FAIL'} ${check.what}: ${check.value} (aim ${check.aim})`,
    )
    .join('\n');
}

/** The results section: everything the run measured, as markdown (also what the console shows). */
export function resultsMarkdown(
  rows: readonly Row[],
  context: RunContext,
  options: { rates: readonly number[]; streams: number },
): string {
  const measured = rows.filter((row) => row.unavailable === undefined);
  const unavailable = rows.filter((row) => row.unavailable !== undefined);
  return [
    `Run of ${context.date}: \`${context.command}\``,
    '',
    `- Machine: ${context.machine}.`,
    `- Settings: ${context.settings}.`,
    `- Versions: ${context.versions}.`,
    '',
    ...(unavailable.length === 0
      ? []
      : [...unavailable.map((row) => `- ${row.name}: unavailable: ${row.unavailable ?? ''}`), '']),
    '### CPU per request and throughput (saturation)',
    '',
    `![CPU per request](${chartFile})`,
    '',
    throughput(measured),
    '',
    '### Latency (ms): concurrency 1 (wrk) and fixed rates (vegeta)',
    '',
    latency(measured, options.rates),
    '',
    '### Streaming (ms): time to first token one stream at a time, then many streams at once',
    '',
    streaming(measured, options.streams),
    '',
    '### Targets',
    '',
    targets(measured),
  ].join('\n');
}

/**
 * Rewrites the section between the markers of README.md (formatted by the project's prettier, so the lint
 * stays clean) and the chart beside it.
 */
export async function writeResults(dir: string, markdown: string, rows: readonly Row[]): Promise<void> {
  const readme = join(dir, 'README.md');
  const text = existsSync(readme) ? readFileSync(readme, 'utf8') : `${start}\n${end}\n`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${readme} lacks the ${start} ... ${end} markers`);
  const updated = `${text.slice(0, from + start.length)}\n${markdown}\n${text.slice(to)}`;
  const options = (await prettier.resolveConfig(readme)) ?? {};
  writeFileSync(readme, await prettier.format(updated, { ...options, filepath: readme }));
  const bars = rows
    .filter((row) => row.unavailable === undefined && row.cpuUs !== undefined)
    .map((row) => ({ label: row.name, value: row.cpuUs ?? NaN, highlight: isSwitchyard(row) }));
  writeFileSync(
    join(dir, chartFile),
    barChart({ title: 'CPU time per request in µs (lower is better)', unit: 'µs', bars }),
  );
}

const isSwitchyard = (row: Row) => row.id === 'master' || row.id === 'virtual' || row.id === 'full';
