// A drain that waits only for requests in flight. Node's server.close() keeps connections a client opened but never
// used, and keep-alive connections that go idle after close began (an SSE stream ended at shutdown), until the
// client drops them; this closes those as soon as they have nothing in flight.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export function trackConnections(server: Server) {
  const inFlight = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      if (inFlight.has(socket)) inFlight.set(socket, Math.max(0, inFlight.get(socket)! - 1));
    });
  });
  return {
    /** Closes every connection with no request in flight. */
    closeIdle(): void {
      for (const [socket, n] of inFlight) if (n === 0) socket.destroy();
    },
    get open(): number {
      return inFlight.size;
    },
  };
}
