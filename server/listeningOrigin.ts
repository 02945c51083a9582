import type http from 'node:http';

/** `http://host:port` of a listening server, for requests it sends to itself (a wildcard bind is reached on loopback). */
export function listeningOrigin(server: http.Server): string {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the HTTP server is not listening on a TCP port');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
}
