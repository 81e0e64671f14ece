/** A virtual key as the store knows it, from either source. Field meanings follow LiteLLM's. */
export interface StoredKey {
  readonly hash: string;
  readonly keyName: string | null;
  readonly alias: string | null;
  /** `api`: made through the key API (writable); `file`: from the keys file, read-only, named by its source. */
  readonly source: { readonly kind: 'api' } | { readonly kind: 'file'; readonly name: string };
  /** Model groups, access groups or wildcards the key may call; empty means all. */
  readonly models: readonly string[];
  readonly maxBudget: number | null;
  readonly budgetDuration: string | null;
  /** When the current budget period ends; null without a budget_duration (or before a file key's first use). */
  readonly budgetResetAt: Date | null;
  /** Spend in the current budget period, as of the read. */
  readonly spend: number;
  readonly rpmLimit: number | null;
  readonly tpmLimit: number | null;
  readonly maxParallelRequests: number | null;
  readonly expires: Date | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly blocked: boolean;
  readonly createdAt: Date | null;
}
