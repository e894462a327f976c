// A drain that waits only for requests in flight. Node's server.close() keeps connections a client opened but never
// used, and keep-alive connections that go idle after close began (an SSE stream ended at shutdown), until the
// client drops them; this closes those as soon as they have nothing in flight.
// The listeners are shared functions (`this` is the emitter), not a closure and a `once` wrapper per connection and
// per request: an idle SSE stream holds its connection and its request for hours, 10,000s of them to a node.
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export function trackConnections(server: Server) {
  const inFlight = new Map<Socket, number>();
  function socketClosed(this: Socket): void {
    inFlight.delete(this);
  }
  function responseClosed(this: ServerResponse): void {
    const n = inFlight.get(this.req.socket);
    if (n !== undefined) inFlight.set(this.req.socket, Math.max(0, n - 1));
  }
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.on('close', socketClosed);
  });
  server.on('request', (req, res: ServerResponse) => {
    inFlight.set(req.socket, (inFlight.get(req.socket) ?? 0) + 1);
    res.on('close', responseClosed);
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
