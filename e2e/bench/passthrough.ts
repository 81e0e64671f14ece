import Fastify from 'fastify';
import { Pool } from 'undici';

/**
 * The floor of what Node can do: fastify parses the JSON body, undici forwards it to the upstream over a
 * keep-alive pool, the answer goes back as it came. No auth, routing, logging or error mapping.
 */
const [port, upstream] = [Number(process.argv[2]), process.argv[3] ?? ''];
const pool = new Pool(upstream, { connections: 128 });
const app = Fastify({ logger: false });

app.post('/v1/chat/completions', async (request, reply) => {
  const response = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request.body),
  });
  return reply
    .code(response.statusCode)
    .header('content-type', 'application/json')
    .send(await response.body.text());
});

await app.listen({ host: '127.0.0.1', port });
process.once('SIGTERM', () => {
  void app.close().then(() => pool.close());
});
