type Defined<T> = { [K in keyof T]: Exclude<T[K], undefined> };

/**
 * Drops keys whose value is undefined. zod's output types mark optional keys `?: T | undefined`, which
 * exactOptionalPropertyTypes refuses where client-node types expect `?: T`; it also keeps `undefined` out of
 * the YAML.
 */
export function compact<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Defined<T>;
}
