import Fastify from 'fastify';
import { Pool } from 'undici';
import { upstreamPaths } from './canned.ts';

/**
 * The floor of what Node can do: fastify parses the JSON body, undici forwards it to the upstream over a
 * keep-alive pool, the answer goes back as it came (a stream piped as it arrives). No auth, routing, logging
 * or error mapping. Each upstream location keeps its path prefix here (`/sse/v1/...`), since nothing routes.
 */
const [port, upstream] = [Number(process.argv[2]), process.argv[3] ?? ''];
// More connections than the 1,000 concurrent streams, so the floor is not capped by its pool.
const pool = new Pool(upstream, { connections: 2048 });
const app = Fastify({ logger: false });

for (const { prefix } of Object.values(upstreamPaths)) {
  const path = `${prefix}/v1/chat/completions`;
  app.post(path, async (request, reply) => {
    const response = await pool.request({
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request.body),
    });
    const type = response.headers['content-type'];
    reply.code(response.statusCode).header('content-type', type ?? 'application/json');
    return type?.toString().startsWith('text/event-stream') === true
      ? reply.send(response.body)
      : reply.send(await response.body.text());
  });
}

await app.listen({ host: '127.0.0.1', port });
process.once('SIGTERM', () => {
  void app.close().then(() => pool.close());
});
