import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defaultGatewayImage } from '../defaults.ts';
import { renderManifests, type RenderOutput } from './render-command.ts';
import { readManifests } from './read-manifests.ts';

/** manifests/examples: one directory per example set, and rendered/<set>.yaml, its golden render. */
export const examplesDir = join(import.meta.dirname, '..', '..', 'manifests', 'examples');
export const renderedDir = join(examplesDir, 'rendered');

export function exampleSets(): string[] {
  return readdirSync(examplesDir)
    .filter((name) => name !== 'rendered' && statSync(join(examplesDir, name)).isDirectory())
    .sort();
}

/** The render of an example set with the CLI's offline defaults (what `render -f <dir>` prints). */
export function renderExample(set: string): RenderOutput {
  return renderManifests(readManifests([join(examplesDir, set)]), {
    kubernetesMinor: 36,
    serviceMonitor: true,
    defaultImage: defaultGatewayImage,
  });
}

export function goldenPath(set: string): string {
  return join(renderedDir, `${set}.yaml`);
}
