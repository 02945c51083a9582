import type http from 'node:http';
import type net from 'node:net';
import tls from 'node:tls';

/** The first byte of a TLS record carrying a handshake: what a TLS client sends first (an HTTP request starts with a letter). */
const TLS_HANDSHAKE = 0x16;

/** Options of {@link serveTlsOnSamePort}. */
export interface TlsOnSamePortOptions {
  cert: string;
  key: string;
  /** Longest wait for a new connection's first byte and for its TLS handshake (then it is dropped). */
  timeoutMs: number;
}

/** What {@link serveTlsOnSamePort} installed. */
export interface TlsOnSamePort {
  /** Drops connections still being sniffed and every TLS connection (the HTTP server closes the plain ones). */
  destroyPending(): void;
}

/**
 * Makes `server` answer HTTPS and WSS as well as plain HTTP and WS on the port it listens on: every new connection is
 * sniffed for its first byte, a TLS handshake (0x16) goes through a `tls.Server` with `cert`/`key` and the decrypted
 * stream is handed to `server` (`req.socket.encrypted` is then true), anything else goes to `server` as it is. Install
 * it before `listen`; the server's timeouts, upgrades and `closeAllConnections()` apply to both kinds.
 * @throws when `cert` or `key` is not valid PEM, or they do not match.
 * @example
 * const server = http.createServer(app);
 * const tlsPort = serveTlsOnSamePort(server, { cert, key, timeoutMs: 10_000 });
 * server.listen(8787);
 */
export function serveTlsOnSamePort(server: http.Server, options: TlsOnSamePortOptions): TlsOnSamePort {
  // The HTTP server's own connection handler: sockets (plain, or decrypted TLS) are handed to it directly, which is
  // what `server.emit('connection', socket)` does (documented for injecting connections), without re-sniffing.
  const httpHandlers = server.listeners('connection') as ((socket: net.Socket | tls.TLSSocket) => void)[];
  for (const handler of httpHandlers) server.removeListener('connection', handler);
  const toHttp = (socket: net.Socket | tls.TLSSocket): void => {
    for (const handler of httpHandlers) handler.call(server, socket);
  };
  const pending = new Set<net.Socket>();
  const tlsServer = tls.createServer({
    cert: options.cert,
    key: options.key,
    // HTTP/1.1 only: the HTTP server speaks no HTTP/2, and a WebSocket upgrade needs HTTP/1.1.
    ALPNProtocols: ['http/1.1'],
    handshakeTimeout: options.timeoutMs,
  });
  tlsServer.on('secureConnection', (socket: tls.TLSSocket) => toHttp(socket));
  // A client that distrusts the certificate aborts its handshake: nothing to answer, drop the socket.
  tlsServer.on('tlsClientError', (_error, socket) => socket.destroy());

  const sniff = (socket: net.Socket, timer: NodeJS.Timeout): void => {
    const data = socket.read() as Buffer | null;
    if (data === null) {
      socket.once('readable', () => sniff(socket, timer));
      return;
    }
    clearTimeout(timer);
    socket.removeListener('error', ignore);
    socket.unshift(data);
    if (data[0] === TLS_HANDSHAKE) {
      // Kept in `pending` until it closes: the TLS socket above it is the HTTP server's, this one is ours to drop.
      socket.allowHalfOpen = false;
      tlsServer.emit('connection', socket);
    } else {
      pending.delete(socket);
      socket.removeListener('close', forget);
      toHttp(socket);
    }
  };
  const ignore = (): void => {};
  function forget(this: net.Socket): void {
    pending.delete(this);
  }
  server.on('connection', (socket: net.Socket) => {
    pending.add(socket);
    // A reset before the first byte is not an error of the server's.
    socket.on('error', ignore);
    socket.once('close', forget);
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs);
    timer.unref();
    sniff(socket, timer);
  });
  return {
    destroyPending() {
      for (const socket of pending) socket.destroy();
      pending.clear();
    },
  };
}
