/** The label value every alias beyond the cap shares. */
export const otherAlias = 'other';

/**
 * Turns a key alias into a label value with bounded cardinality: off entirely (''), or the first `max`
 * distinct aliases by name and the rest as `other`, so thousands of keys cannot blow up the series count.
 * Aliases only: a raw key or its hash never becomes a label.
 */
export class KeyAliasLabel {
  readonly #enabled: boolean;
  readonly #max: number;
  readonly #seen = new Set<string>();

  constructor(options: { enabled: boolean; max: number }) {
    this.#enabled = options.enabled;
    this.#max = options.max;
  }

  of(alias: string): string {
    if (!this.#enabled || alias === '') return '';
    if (this.#seen.has(alias)) return alias;
    if (this.#seen.size >= this.#max) return otherAlias;
    this.#seen.add(alias);
    return alias;
  }
}
