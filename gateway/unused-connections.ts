import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * Ends, when the app closes, the connections that never sent a byte. `server.close()` waits for every open
 * connection, and Node 24's `closeIdleConnections()` skips one that was accepted but sent nothing
 * (nodejs/node#63452): a load balancer's or browser's preconnect, or the connection a client's pool opens
 * again after it aborted a stream, would hold `app.close()` and a pod's drain until the client gives up or
 * the drain bound passes. Such a connection has no request in flight, so nothing is lost.
 */
export function closeUnusedConnectionsOnClose(app: FastifyInstance): void {
  const open = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  // preClose runs just before fastify closes the listener, so no new connection slips in after this.
  app.addHook('preClose', (done) => {
    for (const socket of open) if (socket.bytesRead === 0) socket.destroy();
    done();
  });
}
