/** Work-queue keys: `namespace/name` (or `name` when cluster-scoped), optionally `Kind:` first. */
export interface ObjectName {
  readonly name: string;
  readonly namespace?: string | undefined;
}

export function objectKey({ namespace, name }: ObjectName): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** For a queue shared by several kinds. */
export function kindKey(kind: string, object: ObjectName): string {
  return `${kind}:${objectKey(object)}`;
}

/** The inverse of objectKey / kindKey. */
export function parseKey(key: string): ObjectName & { readonly kind?: string } {
  const colon = key.indexOf(':');
  const kind = colon >= 0 ? key.slice(0, colon) : undefined;
  const rest = colon >= 0 ? key.slice(colon + 1) : key;
  const slash = rest.indexOf('/');
  const name = slash >= 0 ? rest.slice(slash + 1) : rest;
  const namespace = slash >= 0 ? rest.slice(0, slash) : undefined;
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(kind !== undefined ? { kind } : {}),
  };
}
