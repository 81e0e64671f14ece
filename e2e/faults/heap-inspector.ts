/**
 * The gateway's own V8, reached through its inspector (the child runs with `--inspect=127.0.0.1:0`): a full
 * garbage collection on demand, so memory is compared as what the process keeps, not as garbage V8 has not
 * needed to collect yet (without a memory limit, V8 lets a heap of 30 MB sit in 300 MB of RSS).
 */
export interface HeapInspector {
  /** Two full collections (the second frees what the first's finalizers released). */
  collectGarbage(): Promise<void>;
  /** Bytes of live heap. */
  heapUsed(): Promise<number>;
  /** The process's own `process.memoryUsage()`: `external` and `arrayBuffers` are memory outside the JS heap. */
  memoryUsage(): Promise<NodeJS.MemoryUsage>;
  close(): void;
}

export const inspectorFlag = '--inspect=127.0.0.1:0';

export async function connectInspector(output: () => string, timeoutMs = 10_000): Promise<HeapInspector> {
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while ((url = /Debugger listening on (ws:\/\/\S+)/.exec(output())?.[1]) === undefined) {
    if (Date.now() > deadline) throw new Error('the gateway printed no inspector URL');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let lastId = 0;
  const waiting = new Map<number, (result: Record<string, unknown>) => void>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown> };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result ?? {});
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = ++lastId;
      waiting.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    async collectGarbage() {
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
    },
    async heapUsed() {
      return Number((await call('Runtime.getHeapUsage')).usedSize);
    },
    async memoryUsage() {
      const { result } = (await call('Runtime.evaluate', {
        expression: 'JSON.stringify(process.memoryUsage())',
        returnByValue: true,
      })) as { result?: { value?: string } };
      return JSON.parse(result?.value ?? '{}') as NodeJS.MemoryUsage;
    },
    close: () => {
      socket.close();
    },
  };
}
