import { join } from 'node:path';
import { freePort, startServer, stop } from '../processes.ts';
import { targetsByPath, type Contender } from './contender.ts';

/** The bare fastify+undici pass-through (../passthrough.ts): the floor a Node gateway can reach. */
export async function startPassthrough(upstreamUrl: string): Promise<Contender> {
  const port = await freePort();
  const child = await startServer({
    name: 'passthrough',
    command: process.execPath,
    args: [join(import.meta.dirname, '../passthrough.ts'), String(port), upstreamUrl],
    env: { NODE_ENV: 'production' },
    readyUrl: `http://127.0.0.1:${port}/`,
  });
  return {
    id: 'passthrough',
    name: 'fastify+undici pass-through',
    targets: targetsByPath(`http://127.0.0.1:${port}`),
    ...(child.pid === undefined ? {} : { pid: child.pid }),
    stop: () => stop(child),
  };
}
