import type { FastifyInstance } from 'fastify';

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
}

/** Listens, and on SIGTERM/SIGINT stops taking requests, lets in-flight ones finish, and exits 0. */
export async function serve(app: FastifyInstance, options: ListenOptions): Promise<void> {
  await app.listen({ host: options.host, port: options.port });
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
