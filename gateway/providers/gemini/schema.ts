/**
 * JSON Schema (as OpenAI tools carry it) cut down to the OpenAPI subset Gemini's `parameters` accepts: Google
 * answers 400 "Unknown name" to anything else (`additionalProperties`, `$schema`, `strict`, ...).
 */
const allowedKeys: ReadonlySet<string> = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function geminiSchema(schema: unknown): Record<string, unknown> {
  if (!isRecord(schema)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!allowedKeys.has(key)) continue;
    if (key === 'properties' && isRecord(value))
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, inner]) => [name, geminiSchema(inner)]),
      );
    else if (key === 'items') out.items = geminiSchema(value);
    else if (key === 'anyOf' && Array.isArray(value)) out.anyOf = (value as unknown[]).map(geminiSchema);
    else if (key === 'type' && Array.isArray(value)) {
      // `["string", "null"]` is Gemini's `type: string, nullable: true`.
      const types = (value as unknown[]).filter((type) => type !== 'null');
      if (types.length === 1) out.type = types[0];
      else out.anyOf = types.map((type) => ({ type }));
      if (types.length < value.length) out.nullable = true;
    } else out[key] = value;
  }
  return out;
}
