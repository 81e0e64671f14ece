import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { keysFileSchema } from '../../gateway/auth/keys-file-schema.ts';
import { fromBase64, toBase64 } from '../render/base64.ts';
import { sha256 } from '../render/hash.ts';
import { renderManifests } from './render-command.ts';
import { readManifests } from './read-manifests.ts';

const scratch = mkdtempSync(join(tmpdir(), 'switchyard-render-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
const cli = join(import.meta.dirname, '..', 'cli.ts');
const options = {
  kubernetesMinor: 36,
  serviceMonitor: false,
  defaultImage: 'registry.example/gateway:1.0.0',
};

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

const gatewayYaml = `apiVersion: switchyard.dev/v1alpha1
kind: LLMGateway
metadata: {name: main, namespace: llm}
spec:
  masterKeySecretRef: {name: master, key: key}
  serviceMonitor: {enabled: true}
`;
const keyYaml = `apiVersion: switchyard.dev/v1alpha1
kind: VirtualKey
metadata: {name: existing, namespace: llm}
spec:
  gatewayRef: {name: main}
  existingSecretRef: {name: given, key: api-key}
---
apiVersion: v1
kind: Secret
metadata: {name: given, namespace: llm}
stringData: {api-key: sk-given}
`;

describe('renderManifests', () => {
  it('hashes a key given in an existing Secret, and uses the default image', () => {
    const output = renderManifests(
      readManifests([file('gw.yaml', gatewayYaml), file('key.yaml', keyYaml)]),
      options,
    );
    const documents = loadAll(output.yaml) as {
      kind: string;
      metadata: { name: string };
      data?: Record<string, string>;
    }[];
    const keys = documents.find((document) => document.metadata.name === 'main-keys');
    const keysFile = keysFileSchema.parse(JSON.parse(fromBase64(keys?.data?.['keys.json'] ?? '')));
    expect(keysFile.keys[0]?.hash).toBe(sha256('sk-given'));
    expect(output.yaml).toContain('image: registry.example/gateway:1.0.0');
    // No ServiceMonitor without its CRD: a warning instead.
    expect(documents.map((document) => document.kind)).not.toContain('ServiceMonitor');
    expect(output.problems).toEqual([
      expect.objectContaining({ reason: 'ServiceMonitorCRDMissing', severity: 'warning' }),
    ]);
  });

  it('reports ModelDeployments whose gateway is not among the inputs', () => {
    const model = `apiVersion: switchyard.dev/v1alpha1
kind: ModelDeployment
metadata: {name: orphan, namespace: llm}
spec: {gatewayRef: {name: nowhere}, modelName: m, provider: openai, model: gpt-4o}
`;
    const output = renderManifests(readManifests([file('orphan.yaml', model)]), options);
    expect(output.problems).toEqual([
      expect.objectContaining({ subject: 'ModelDeployment/orphan', reason: 'GatewayNotFound' }),
    ]);
  });

  it('uses a given Secret for credentials and placeholders for the rest', () => {
    const secret = `apiVersion: v1
kind: Secret
metadata: {name: master, namespace: llm}
data: {key: ${toBase64('sk-master')}}
`;
    const output = renderManifests(
      readManifests([file('gw2.yaml', gatewayYaml), file('s.yaml', secret)]),
      options,
    );
    expect(output.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
    expect(output.yaml).not.toContain('sk-master');
  });
});

describe('switchyard-operator', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

  it('render: names the file and the field of an invalid resource, exit 1', () => {
    const bad = file(
      'bad.yaml',
      gatewayYaml.replace('masterKeySecretRef: {name: master, key: key}', 'replicas: -1'),
    );
    const result = run('render', '-f', bad);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('bad.yaml#1: invalid');
    expect(result.stderr).toContain('spec.masterKeySecretRef');
    expect(result.stderr).toContain('spec.replicas');
  });

  it('render: usage on missing -f, exit 2', () => {
    const result = run('render');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: switchyard-operator render');
  });

  it('render: reads directories and flags', () => {
    const dir = mkdtempSync(join(scratch, 'dir-'));
    writeFileSync(join(dir, 'gateway.yaml'), gatewayYaml);
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    const result = run('render', '-f', dir, '--kube-version', '1.29', '--service-monitor-crd', 'true');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('kind: ServiceMonitor');
    expect(result.stdout).toContain('- sleep'); // exec fallback for the preStop delay before 1.30
  });

  it('render: reads stdin with -f -', () => {
    const result = spawnSync(process.execPath, [cli, 'render', '-f', '-'], {
      encoding: 'utf8',
      input: gatewayYaml,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('kind: Deployment');
  });

  it('render: a missing file is an error, not a crash', () => {
    const result = run('render', '-f', join(scratch, 'nope.yaml'));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`${join(scratch, 'nope.yaml')}: cannot be read\n`);
  });

  it('run: a bad flag is a usage error, exit 2, before any connection is tried', () => {
    const result = run('run', '--leader-elect=maybe');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--leader-elect must be true or false');
    expect(result.stderr).toContain('usage: switchyard-operator run');
  });
});
