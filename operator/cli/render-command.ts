import { parseArgs } from 'node:util';
import { renderGateway } from '../render/render-gateway.ts';
import { renderVirtualKey } from '../render/render-virtual-key.ts';
import type { KubeObject } from '../render/kube-object.ts';
import type { Problem } from '../render/problems.ts';
import { dumpDocuments } from '../render/yaml.ts';
import { defaultGatewayImage } from '../defaults.ts';
import {
  generatedKeyPlaceholder,
  offlineIssuedKey,
  offlineSecrets,
  referencedSecretKeys,
  withUid,
} from './offline.ts';
import { readManifests, type Manifests } from './read-manifests.ts';

export const renderUsage = `usage: switchyard-operator render -f FILE|DIR|- [-f FILE|DIR|- ...]
    [--kube-version 1.36] [--service-monitor-crd true|false] [--default-image IMAGE]

Prints, offline, the objects the operator would apply for the given LLMGateways, ModelDeployments and
VirtualKeys, as multi-document YAML. Secrets given with -f are used; referenced Secrets that are not given,
uids and generated keys are placeholders.`;

export interface RenderOptions {
  readonly kubernetesMinor: number;
  readonly serviceMonitor: boolean;
  readonly defaultImage: string;
}

export interface RenderOutput {
  readonly yaml: string;
  readonly problems: readonly Problem[];
  readonly skipped: readonly string[];
}

const header =
  '# Rendered offline by `switchyard-operator render`: uids, generated keys and Secrets that were not\n' +
  '# given are placeholders. The migration Job is shown as succeeded, so the Deployment runs the new image.\n';

/** Renders what the operator would apply for these manifests (pure given the parsed manifests). */
export function renderManifests(manifests: Manifests, options: RenderOptions): RenderOutput {
  const objects: KubeObject[] = [];
  const problems: Problem[] = [];
  const capabilities = { kubernetesMinor: options.kubernetesMinor, serviceMonitor: options.serviceMonitor };
  const gateways = [...manifests.gateways].map(withUid).sort((a, b) => compare(idOf(a), idOf(b)));
  for (const gateway of gateways) {
    const { namespace } = gateway.metadata;
    const models = manifests.models.filter((model) => model.metadata.namespace === namespace);
    const keys = manifests.virtualKeys.filter((key) => key.metadata.namespace === namespace);
    const secrets = offlineSecrets(namespace, manifests.secrets, referencedSecretKeys(gateway, models, keys));
    const rendered = renderGateway({
      gateway,
      models,
      keys: keys.map((key) => offlineIssuedKey(key, secrets)),
      secrets,
      capabilities,
      defaultImage: options.defaultImage,
      migration: { job: 'succeeded' },
    });
    objects.push(...rendered.objects);
    problems.push(...rendered.problems);
  }
  const byId = new Map(gateways.map((gateway) => [idOf(gateway), gateway]));
  for (const model of manifests.models) {
    if (!byId.has(`${model.metadata.namespace}/${model.spec.gatewayRef.name}`))
      problems.push({
        subject: `ModelDeployment/${model.metadata.name}`,
        condition: 'ResolvedRefs',
        reason: 'GatewayNotFound',
        message: `LLMGateway ${model.spec.gatewayRef.name} is not among the inputs`,
        severity: 'warning',
      });
  }
  const virtualKeys = [...manifests.virtualKeys].map(withUid).sort((a, b) => compare(idOf(a), idOf(b)));
  for (const virtualKey of virtualKeys) {
    const rendered = renderVirtualKey({
      virtualKey,
      gateway: byId.get(`${virtualKey.metadata.namespace}/${virtualKey.spec.gatewayRef.name}`),
      generatedKey: generatedKeyPlaceholder,
    });
    objects.push(...rendered.objects);
    problems.push(...rendered.problems);
  }
  return { yaml: header + dumpDocuments(objects), problems, skipped: manifests.skipped };
}

export function runRender(args: readonly string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        filename: { type: 'string', short: 'f', multiple: true },
        'kube-version': { type: 'string', default: '1.36' },
        'service-monitor-crd': { type: 'string', default: 'true' },
        'default-image': { type: 'string', default: defaultGatewayImage },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${renderUsage}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${renderUsage}\n`);
    return 0;
  }
  const files = values.filename ?? [];
  const minor = /^1\.(\d+)(\.\d+)?$/.exec(values['kube-version'])?.[1];
  const monitor = values['service-monitor-crd'];
  if (files.length === 0 || minor === undefined || (monitor !== 'true' && monitor !== 'false')) {
    process.stderr.write(`${renderUsage}\n`);
    return 2;
  }
  const output = renderManifests(readManifests(files), {
    kubernetesMinor: Number(minor),
    serviceMonitor: monitor === 'true',
    defaultImage: values['default-image'],
  });
  process.stdout.write(output.yaml);
  for (const skipped of output.skipped) process.stderr.write(`skipped ${skipped}\n`);
  for (const problem of output.problems)
    process.stderr.write(`${problem.severity}: ${problem.subject}: ${problem.reason}: ${problem.message}\n`);
  return output.problems.some((problem) => problem.severity === 'error') ? 1 : 0;
}

function idOf(object: { metadata: { namespace: string; name: string } }): string {
  return `${object.metadata.namespace}/${object.metadata.name}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
