import { z } from 'zod';

/** A node of an OpenAPI v3 schema as the apiextensions API holds it. */
export type SchemaNode = Record<string, unknown>;

const maxSafe = Number.MAX_SAFE_INTEGER;

/** Key order in the CRD YAML: what a reader looks for first. */
const keyOrder = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'maxProperties',
  'required',
  'properties',
  'items',
  'additionalProperties',
];

/**
 * Converts a zod schema into a structural schema (apiextensions "structural schema" rules): every node
 * typed (or marked int-or-string / preserve-unknown-fields), no anyOf between types, no
 * additionalProperties beside properties, no JSON Schema keywords the apiserver does not know.
 */
export function toStructural(schema: z.ZodType): SchemaNode {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'throw' });
  return clean(json);
}

function clean(node: SchemaNode): SchemaNode {
  const { $schema: _schema, id: _id, propertyNames: _names, ...out } = node;
  if ('const' in out) {
    out.enum = [out.const];
    delete out.const;
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    // The apiserver knows int-or-string as a marker, not as an anyOf of two types.
    delete out.anyOf;
    delete out.oneOf;
    delete out.type;
  }
  if (out['x-kubernetes-preserve-unknown-fields'] === true) {
    if (isEmptyObject(out.properties)) delete out.properties;
    if (out.additionalProperties !== undefined && isEmptyObject(out.additionalProperties))
      delete out.additionalProperties;
  }
  if (
    out.additionalProperties === false ||
    (out.properties !== undefined && isEmptyObject(out.additionalProperties))
  )
    delete out.additionalProperties;
  if (out.type === 'integer') {
    if (out.minimum === -maxSafe) delete out.minimum;
    if (out.maximum === maxSafe) delete out.maximum;
  }
  // format: date-time is checked by the apiserver; zod's long regex would only repeat it.
  if (out.format === 'date-time') delete out.pattern;
  if (isSchema(out.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([key, value]) => [key, clean(value as SchemaNode)]),
    );
  }
  if (isSchema(out.items)) out.items = clean(out.items);
  if (isSchema(out.additionalProperties)) out.additionalProperties = clean(out.additionalProperties);
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  return ordered(out);
}

function ordered(node: SchemaNode): SchemaNode {
  const rank = (key: string) => {
    const index = keyOrder.indexOf(key);
    return index === -1 ? keyOrder.length : index;
  };
  return Object.fromEntries(
    Object.entries(node).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)),
  );
}

function isSchema(value: unknown): value is SchemaNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isValueValidationList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every((item) => isSchema(item) && Object.keys(item).every((key) => key === 'required'))
  );
}

function isEmptyObject(value: unknown): boolean {
  return isSchema(value) && Object.keys(value).length === 0;
}

/**
 * The structural-schema rules the apiserver enforces, checked here so a bad schema fails a unit test
 * rather than a CRD apply. Returns one message per violation, with its path.
 */
export function structuralProblems(node: SchemaNode, path = ''): string[] {
  const problems: string[] = [];
  const at = path === '' ? '(root)' : path;
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (node.type === undefined && !intOrString && !preserve) problems.push(`${at}: no type`);
  for (const key of ['anyOf', 'allOf', 'not', '$ref', 'const', 'propertyNames', '$schema']) {
    if (key in node) problems.push(`${at}: ${key} is not allowed in a structural schema`);
  }
  // oneOf may only hold value validations (here: which fields are required), never types or defaults.
  if (node.oneOf !== undefined && !isValueValidationList(node.oneOf))
    problems.push(`${at}: oneOf may only list required fields`);
  if (node.properties !== undefined && node.additionalProperties !== undefined)
    problems.push(`${at}: properties and additionalProperties together`);
  if (typeof node.additionalProperties === 'boolean')
    problems.push(`${at}: additionalProperties must be a schema`);
  if (node.type === 'array' && !isSchema(node.items)) problems.push(`${at}: array without items`);
  if (isSchema(node.properties)) {
    for (const [key, value] of Object.entries(node.properties))
      problems.push(...structuralProblems(value as SchemaNode, `${path}.${key}`));
  }
  if (isSchema(node.items)) problems.push(...structuralProblems(node.items, `${path}[*]`));
  if (isSchema(node.additionalProperties))
    problems.push(...structuralProblems(node.additionalProperties, `${path}{*}`));
  return problems;
}
