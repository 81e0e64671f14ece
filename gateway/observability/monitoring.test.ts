// The Grafana dashboard and the alert rules in manifests/monitoring use only metrics the gateway exports, and the
// rules pass promtool.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpsGateway, type OpsGateway } from '../test-support/operations.ts';

const monitoring = join(import.meta.dirname, '../../manifests/monitoring');
const alertsFile = join(monitoring, 'alerts.yaml');
const dashboard = JSON.parse(readFileSync(join(monitoring, 'grafana-dashboard.json'), 'utf8')) as {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { query: unknown }[] };
};

let gateway: OpsGateway;
let exported: Set<string>;

beforeAll(async () => {
  gateway = await startOpsGateway(`model_list:\n  - model_name: m\n    litellm_params: { model: mock/m }\n`);
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  exported = new Set();
  for (const [, name = '', type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    exported.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(name + suffix);
  }
});

afterAll(async () => {
  await gateway.close();
});

const metricsIn = (expression: string) =>
  [...expression.matchAll(/\bswitchyard_[a-z_]+/g)].map(([name]) => name);

describe('monitoring manifests', () => {
  it('the dashboard queries only exported metrics, in every panel', () => {
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(12);
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        expect(metricsIn(expr).length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const name of metricsIn(expr)) expect(exported, `${panel.title}: ${name}`).toContain(name);
      }
    }
    for (const variable of dashboard.templating.list)
      for (const name of metricsIn(JSON.stringify(variable.query))) expect(exported).toContain(name);
  });

  it('the alert rules pass promtool and use only exported metrics', () => {
    const checked = spawnSync('promtool', ['check', 'rules', alertsFile], { encoding: 'utf8' });
    expect(checked.error, 'promtool must be installed (Debian: apt-get install prometheus)').toBeUndefined();
    expect(checked.status, checked.stdout + checked.stderr).toBe(0);
    const rules = readFileSync(alertsFile, 'utf8');
    const used = metricsIn(rules);
    expect(used.length).toBeGreaterThan(8);
    for (const name of used) expect(exported, name).toContain(name);
  });
});
