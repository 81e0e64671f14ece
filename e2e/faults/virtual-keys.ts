import { masterKey } from './gateway-config.ts';

/** Limits far above what a scenario sends: every request is checked and counted, none is refused. */
export const generousLimits = { rpm_limit: 1_000_000, tpm_limit: 1_000_000_000, max_parallel_requests: 5000 };

/** Makes a virtual key through the key API (LiteLLM's `/key/generate`) and returns it. */
export async function generateKey(
  gatewayUrl: string,
  alias: string,
  policy: Record<string, unknown> = generousLimits,
): Promise<string> {
  const response = await fetch(`${gatewayUrl}/key/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key_alias: alias, ...policy }),
  });
  if (!response.ok) throw new Error(`/key/generate: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { key: string }).key;
}
