// The result as markdown: printed, and kept in e2e/scale/README.md (one section per shape and mode).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { total } from './metrics-text.ts';

export interface ScaleResult {
  readonly key: string;
  readonly title: string;
  readonly command: string;
  readonly machine: string;
  readonly date: string;
  readonly timeline: readonly (readonly [string, number | undefined])[];
  readonly readySeconds: number | undefined;
  /** What readySeconds and the timeline count from. */
  readonly readyFrom: string;
  /** Operator writes by "verb resource", as the apiserver counted them (APF FlowSchemas). */
  readonly convergenceWrites: ReadonlyMap<string, number>;
  readonly idleWrites: ReadonlyMap<string, number>;
  /** The operator's own count (switchyard_operator_api_writes_total) by "kind verb subresource". */
  readonly selfReportedConvergence: ReadonlyMap<string, number>;
  readonly selfReportedIdle: ReadonlyMap<string, number>;
  readonly operatorReads: { readonly convergence: number; readonly idle: number };
  /** Writes of every client (apiserver_request_total), for scale. */
  readonly allClientWrites: { readonly convergence: number; readonly idle: number };
  readonly reconciles: ReadonlyMap<string, number>;
  readonly idleReconciles: number;
  readonly idleSeconds: number;
  readonly peakRssMb: number;
  readonly steadyRssMb: number;
  readonly readyRssMb: number;
  readonly cpuSeconds: { readonly convergence: number; readonly idle: number };
  readonly wallSeconds: number;
  /** CPU seconds per process from the first create to Ready (the machine's 2 cores are shared by all). */
  readonly convergenceCpu: ReadonlyMap<string, number>;
  /** The operator's Event objects at the end, by "kind reason". */
  readonly events: ReadonlyMap<string, number>;
  /** Diagnostics: where memory and apiserver time went. */
  readonly notes: readonly string[];
}

const fmt = (value: number | undefined, digits = 1): string =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

const verdict = (ok: boolean): string => (ok ? 'yes' : '**no**');

export function renderResult(result: ScaleResult): string {
  const convergenceTotal = total(result.convergenceWrites);
  const idleTotal = total(result.idleWrites);
  const lines = [
    `### ${result.title}`,
    '',
    `${result.date}; ${result.machine}`,
    '',
    '```sh',
    result.command,
    '```',
    '',
    '| Measure | Target | Measured | Met |',
    '| --- | --- | --- | --- |',
    `| Time to Ready (${result.readyFrom} → every gateway, model and key Ready, pods running, keys in key files) | ≤ 60 s | ${fmt(result.readySeconds)} s | ${verdict(result.readySeconds !== undefined && result.readySeconds <= 60)} |`,
    `| Operator API writes during convergence | — | ${convergenceTotal} | |`,
    `| Operator API writes in ${result.idleSeconds} s idle after | 0 | ${idleTotal} | ${verdict(idleTotal === 0)} |`,
    `| Operator peak RSS (VmHWM) | ≤ 150 MB | ${fmt(result.peakRssMb)} MB | ${verdict(result.peakRssMb <= 150)} |`,
    `| Operator steady RSS (VmRSS, end of idle) | ≤ 150 MB | ${fmt(result.steadyRssMb)} MB | ${verdict(result.steadyRssMb <= 150)} |`,
    '',
    `Operator RSS at Ready ${fmt(result.readyRssMb)} MB; operator CPU ${fmt(result.cpuSeconds.convergence)} s during convergence, ` +
      `${fmt(result.cpuSeconds.idle)} s idle; operator reads (incl. watches) ${result.operatorReads.convergence} during convergence, ` +
      `${result.operatorReads.idle} idle; writes of all clients (controller-manager, scheduler, kwok, bench, operator) ` +
      `${result.allClientWrites.convergence} during convergence, ${result.allClientWrites.idle} idle; ` +
      `${result.idleReconciles} reconciles while idle; whole run ${fmt(result.wallSeconds, 0)} s.`,
    '',
    `CPU seconds, ${result.readyFrom} to Ready: ${[...result.convergenceCpu]
      .map(([name, seconds]) => `${name} ${fmt(seconds)}`)
      .join(', ')}.`,
    '',
    `Timeline (s after the ${result.readyFrom}):`,
    '',
    '| Event | s |',
    '| --- | --- |',
    ...result.timeline.map(([event, seconds]) => `| ${event} | ${fmt(seconds)} |`),
    '',
    'Operator writes by verb and resource, as the apiserver counted them (convergence / idle):',
    '',
    '| Verb | Resource | Convergence | Idle |',
    '| --- | --- | --- | --- |',
    ...mergedRows(result.convergenceWrites, result.idleWrites).map(
      ([key, converging, idle]) => `| ${key.split(' ').join(' | ')} | ${converging} | ${idle} |`,
    ),
    `| all | | ${convergenceTotal} | ${idleTotal} |`,
    '',
    "The operator's own count (`switchyard_operator_api_writes_total`):",
    '',
    '| Kind | Verb | Subresource | Convergence | Idle |',
    '| --- | --- | --- | --- | --- |',
    ...mergedRows(result.selfReportedConvergence, result.selfReportedIdle).map(
      ([key, converging, idle]) => `| ${key.split(' ').join(' | ')} | ${converging} | ${idle} |`,
    ),
    `| all | | | ${total(result.selfReportedConvergence)} | ${total(result.selfReportedIdle)} |`,
    '',
    `Operator events by regarding kind and reason: ${[...result.events]
      .sort((a, b) => b[1] - a[1])
      .map(([key, count]) => `${key} ${count}`)
      .join(', ')}.`,
    '',
    `Reconciles during convergence: ${[...result.reconciles].map(([kind, count]) => `${kind} ${count}`).join(', ')}.`,
    '',
    ...result.notes.map((note) => `- ${note}`),
  ];
  return lines.join('\n');
}

function mergedRows(
  first: ReadonlyMap<string, number>,
  second: ReadonlyMap<string, number>,
): [string, number, number][] {
  const keys = [...new Set([...first.keys(), ...second.keys()])].sort();
  return keys.map((key) => [key, first.get(key) ?? 0, second.get(key) ?? 0]);
}

const endMarker = '<!-- results:end -->';

/** Replaces this shape's section of the README, or adds it before the end marker; formatted as the repo's. */
export async function saveToReadme(result: ScaleResult, markdown: string): Promise<string> {
  const path = join(import.meta.dirname, 'README.md');
  const text = readFileSync(path, 'utf8');
  const begin = `<!-- result ${result.key} -->`;
  const end = `<!-- /result ${result.key} -->`;
  const section = `${begin}\n\n${markdown}\n\n${end}`;
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  let next: string;
  if (start !== -1 && stop > start) next = text.slice(0, start) + section + text.slice(stop + end.length);
  else if (text.includes(endMarker)) next = text.replace(endMarker, `${section}\n\n${endMarker}`);
  else next = `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, await format(next, { ...(await resolveConfig(path)), filepath: path }));
  return path;
}
