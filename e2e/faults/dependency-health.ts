/** What the gateway says about its dependencies: `/metrics` and the readiness body. */

/** `switchyard_dependency_up{dependency="<name>"}`: 1 when the gateway reaches it, 0 when not. */
export async function dependencyUp(gatewayUrl: string, dependency: 'db' | 'redis'): Promise<number> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (entry) =>
        entry.startsWith('switchyard_dependency_up{') && entry.includes(`dependency="${dependency}"`),
    );
  return Number(line?.split(' ').at(-1));
}

/** Polls until the gateway reports the dependency up again (it recovers in the background). */
export async function awaitDependencyUp(
  gatewayUrl: string,
  dependency: 'db' | 'redis',
  timeoutMs = 20_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await dependencyUp(gatewayUrl, dependency)) === 1) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}
