import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { crdFiles } from './crd-files.ts';
import { structuralProblems, type SchemaNode } from './structural.ts';

const crdsDir = join(import.meta.dirname, '..', '..', 'crds');

interface Crd {
  spec: {
    names: { kind: string; shortNames: string[]; categories: string[] };
    versions: {
      name: string;
      subresources: { status: object };
      additionalPrinterColumns: { name: string; priority?: number }[];
      schema: { openAPIV3Schema: SchemaNode };
    }[];
  };
}

const crds = new Map([...crdFiles()].map(([name, text]) => [name, load(text) as Crd]));
const byKind = (kind: string) => {
  const crd = [...crds.values()].find((candidate) => candidate.spec.names.kind === kind);
  if (crd === undefined) throw new Error(`no CRD for ${kind}`);
  return crd;
};
const schemaOf = (kind: string) => byKind(kind).spec.versions[0]?.schema.openAPIV3Schema ?? {};

/** Every x-kubernetes-validations rule in a schema, with the path it sits on. */
function rules(node: unknown, path = ''): string[] {
  if (node === null || typeof node !== 'object') return [];
  const found: string[] = [];
  const record = node as Record<string, unknown>;
  for (const rule of (record['x-kubernetes-validations'] as { rule: string }[] | undefined) ?? [])
    found.push(`${path}: ${rule.rule}`);
  for (const [key, value] of Object.entries(record)) {
    if (key === 'properties' && value !== null && typeof value === 'object') {
      for (const [name, child] of Object.entries(value)) found.push(...rules(child, `${path}.${name}`));
    } else if (key === 'items' || key === 'additionalProperties') found.push(...rules(value, `${path}[*]`));
  }
  return found;
}

/** The schema at a path of property names. */
function at(node: SchemaNode, ...path: string[]): SchemaNode {
  let current = node;
  for (const name of path) {
    const properties = (current.properties ?? {}) as Record<string, SchemaNode | undefined>;
    const next = properties[name];
    if (next === undefined) throw new Error(`no property ${name}`);
    current = next;
  }
  return current;
}

/** Paths of properties without a description (list items and map values are described by their parent). */
function undescribed(node: SchemaNode, path: string): string[] {
  const found = typeof node.description === 'string' ? [] : [path];
  const properties = (node.properties ?? {}) as Record<string, SchemaNode>;
  for (const [name, child] of Object.entries(properties))
    found.push(...undescribed(child, `${path}.${name}`));
  const items = node.items as SchemaNode | undefined;
  if (items?.properties !== undefined)
    for (const [name, child] of Object.entries(items.properties as Record<string, SchemaNode>))
      found.push(...undescribed(child, `${path}[*].${name}`));
  return found;
}

/** Paths of nodes that keep unknown fields. */
function preserved(node: unknown, path = ''): string[] {
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const found = record['x-kubernetes-preserve-unknown-fields'] === true ? [path] : [];
  for (const [name, child] of Object.entries(record.properties ?? {}))
    found.push(...preserved(child, `${path}.${name}`));
  found.push(
    ...preserved(record.items, `${path}[*]`),
    ...preserved(record.additionalProperties, `${path}[*]`),
  );
  return found;
}

describe('crds/', () => {
  it('matches the schemas in operator/api (run `npm run crds` after changing them)', () => {
    const onDisk = readdirSync(crdsDir)
      .filter((name) => name.endsWith('.yaml'))
      .sort();
    expect(onDisk).toEqual([...crdFiles().keys()].sort());
    for (const [name, text] of crdFiles()) expect(readFileSync(join(crdsDir, name), 'utf8'), name).toBe(text);
  });

  it.each([...crds.keys()])('%s is a structural schema', (name) => {
    const schema = crds.get(name)?.spec.versions[0]?.schema.openAPIV3Schema ?? {};
    expect(structuralProblems(schema)).toEqual([]);
  });

  it.each([
    ['LLMGateway', 'llmgw'],
    ['ModelDeployment', 'mdep'],
    ['VirtualKey', 'vkey'],
  ])('%s: short name %s, category switchyard, status subresource, printer columns', (kind, shortName) => {
    const crd = byKind(kind);
    expect(crd.spec.names.shortNames).toEqual([shortName]);
    expect(crd.spec.names.categories).toEqual(['switchyard']);
    const version = crd.spec.versions[0];
    expect(version?.name).toBe('v1alpha1');
    expect(version?.subresources.status).toEqual({});
    const columns = version?.additionalPrinterColumns ?? [];
    expect(columns.map((column) => column.name)).toEqual(expect.arrayContaining(['Ready', 'Age']));
    expect(columns.some((column) => column.priority === 1)).toBe(true);
  });

  it('shows Ready, replicas and models for gateways', () => {
    const columns = byKind('LLMGateway').spec.versions[0]?.additionalPrinterColumns ?? [];
    expect(columns.filter((column) => column.priority === undefined).map((column) => column.name)).toEqual([
      'Ready',
      'Replicas',
      'Available',
      'Models',
      'Age',
    ]);
  });

  it('carries the cross-field rules as CEL', () => {
    expect(rules(schemaOf('LLMGateway'))).toEqual(
      expect.arrayContaining([
        '.spec: !(has(self.replicas) && has(self.autoscaling))',
        '.spec.autoscaling: self.minReplicas <= self.maxReplicas',
        '.spec.podDisruptionBudget: !(has(self.minAvailable) && has(self.maxUnavailable))',
        '.spec.database: self.reservedConnections < self.maxConnections',
      ]),
    );
    expect(
      rules(schemaOf('LLMGateway')).some((rule) => rule.startsWith(': self.metadata.name.size() <= 48')),
    ).toBe(true);
    expect(rules(schemaOf('ModelDeployment'))).toEqual(
      expect.arrayContaining([".spec: !(self.provider in ['azure', 'hosted_vllm']) || has(self.apiBase)"]),
    );
    expect(rules(schemaOf('VirtualKey'))).toEqual(
      expect.arrayContaining(['.spec: !(has(self.secretName) && has(self.existingSecretRef))']),
    );
  });

  it.each(['LLMGateway', 'ModelDeployment', 'VirtualKey'])(
    '%s describes every field, for kubectl explain',
    (kind) => {
      expect(undescribed(at(schemaOf(kind), 'spec'), '.spec')).toEqual([]);
      expect(undescribed(at(schemaOf(kind), 'status'), '.status')).toEqual([]);
    },
  );

  it('keeps conditions a map keyed by type, for server-side apply', () => {
    const conditions = at(schemaOf('LLMGateway'), 'status', 'conditions');
    expect(conditions['x-kubernetes-list-type']).toBe('map');
    expect(conditions['x-kubernetes-list-map-keys']).toEqual(['type']);
    expect((conditions.items as SchemaNode).required).toEqual([
      'type',
      'status',
      'lastTransitionTime',
      'reason',
      'message',
    ]);
  });

  it('marks int-or-string fields without an anyOf, and keeps unknown fields only where asked', () => {
    const text = [...crdFiles().values()].join('\n');
    expect(text).not.toContain('anyOf');
    expect(preserved(schemaOf('LLMGateway'))).toEqual([
      '.spec.pod.affinity',
      '.spec.pod.topologySpreadConstraints[*].labelSelector',
    ]);
    expect(preserved(schemaOf('ModelDeployment'))).toEqual(['.spec.params[*].value']);
    expect(preserved(schemaOf('VirtualKey'))).toEqual([]);
    const minAvailable = at(schemaOf('LLMGateway'), 'spec', 'podDisruptionBudget', 'minAvailable');
    expect(minAvailable['x-kubernetes-int-or-string']).toBe(true);
  });
});

describe('structuralProblems', () => {
  it('finds untyped nodes, anyOf and properties beside additionalProperties', () => {
    expect(
      structuralProblems({
        type: 'object',
        properties: {
          a: {},
          b: { anyOf: [{ type: 'string' }], type: 'string' },
          c: { type: 'object', properties: {}, additionalProperties: { type: 'string' } },
        },
      }),
    ).toEqual([
      '.a: no type',
      '.b: anyOf is not allowed in a structural schema',
      '.c: properties and additionalProperties together',
    ]);
  });
});
