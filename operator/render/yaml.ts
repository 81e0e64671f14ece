import { dump, YAML11_SCHEMA } from 'js-yaml';

const options = { noRefs: true, lineWidth: -1, sortKeys: false } as const;

/** YAML as kubectl users read it: block style, no anchors, keys in construction order, long lines kept. */
export function dumpYaml(value: unknown): string {
  return dump(value, options);
}

/**
 * The gateway (like LiteLLM, through PyYAML) reads config.yaml as YAML 1.1: dumping with the 1.1 schema
 * quotes strings such as `on`, `yes` or `1_000` that 1.1 would read as booleans or numbers.
 */
export function dumpYaml11(value: unknown): string {
  return dump(value, { ...options, schema: YAML11_SCHEMA });
}

/** A multi-document stream, one object per document. */
export function dumpDocuments(values: readonly unknown[]): string {
  return values.map((value) => `---\n${dumpYaml(value)}`).join('');
}
