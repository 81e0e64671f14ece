import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import type { z } from 'zod';
import { llmGatewaySchema, type LLMGateway } from '../api/llm-gateway.ts';
import { modelDeploymentSchema, type ModelDeployment } from '../api/model-deployment.ts';
import { virtualKeySchema, type VirtualKey } from '../api/virtual-key.ts';
import { toBase64 } from '../render/base64.ts';

/** The resources `render` was given, parsed with the same schemas as the CRDs (defaults applied). */
export interface Manifests {
  readonly gateways: LLMGateway[];
  readonly models: ModelDeployment[];
  readonly virtualKeys: VirtualKey[];
  /** Secrets given alongside, by `namespace/name`, with `data` in base64. */
  readonly secrets: Map<string, Record<string, string>>;
  /** Documents that are none of these, reported and skipped. */
  readonly skipped: string[];
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Reads files, directories (their *.yaml, *.yml and *.json files, sorted, not recursive) and `-` (stdin). */
export function readManifests(paths: readonly string[]): Manifests {
  const manifests: Manifests = { gateways: [], models: [], virtualKeys: [], secrets: new Map(), skipped: [] };
  for (const file of paths.flatMap(expand)) {
    let documents: unknown[];
    try {
      documents = loadAll(readFileSync(file === '-' ? 0 : file, 'utf8'));
    } catch (error) {
      throw new ManifestError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    documents.forEach((document, index) => {
      add(manifests, document, `${file}#${index + 1}`);
    });
  }
  return manifests;
}

function expand(path: string): string[] {
  if (path === '-') return [path];
  let directory: boolean;
  try {
    directory = statSync(path).isDirectory();
  } catch {
    throw new ManifestError(`${path}: cannot be read`);
  }
  if (!directory) return [path];
  return readdirSync(path)
    .filter((name) => /\.(ya?ml|json)$/.test(name))
    .sort()
    .map((name) => join(path, name))
    .filter((file) => statSync(file).isFile());
}

function add(manifests: Manifests, document: unknown, where: string): void {
  if (document === null || document === undefined) return;
  const { apiVersion, kind } = document as { apiVersion?: unknown; kind?: unknown };
  const id = `${String(apiVersion)} ${String(kind)}`;
  switch (id) {
    case 'switchyard.dev/v1alpha1 LLMGateway':
      manifests.gateways.push(parse(llmGatewaySchema, document, where));
      return;
    case 'switchyard.dev/v1alpha1 ModelDeployment':
      manifests.models.push(parse(modelDeploymentSchema, document, where));
      return;
    case 'switchyard.dev/v1alpha1 VirtualKey':
      manifests.virtualKeys.push(parse(virtualKeySchema, document, where));
      return;
    case 'v1 Secret':
      addSecret(manifests, document);
      return;
    default:
      manifests.skipped.push(`${where}: ${id}`);
  }
}

function parse<S extends z.ZodType>(schema: S, document: unknown, where: string): z.output<S> {
  const result = schema.safeParse(document);
  if (result.success) return result.data;
  const issues = result.error.issues.map(
    (issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new ManifestError(`${where}: invalid\n${issues.join('\n')}`);
}

interface SecretDocument {
  metadata?: { name?: string; namespace?: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

function addSecret(manifests: Manifests, secret: SecretDocument): void {
  const name = secret.metadata?.name;
  if (name === undefined) return;
  const data = { ...secret.data };
  for (const [key, value] of Object.entries(secret.stringData ?? {})) data[key] = toBase64(value);
  manifests.secrets.set(`${secret.metadata?.namespace ?? 'default'}/${name}`, data);
}
