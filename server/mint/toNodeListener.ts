import type http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { MintHandler } from './createMintHandler.js';

/**
 * Adapts a web-standard handler (such as a {@link MintHandler}) to Node's `http` and Express: `(req, res) => void`,
 * with the socket's remote address as `context.clientAddress`.
 * @example
 * http.createServer(toNodeListener(createMintHandler(options))).listen(3000, '127.0.0.1');
 */
export function toNodeListener(handler: MintHandler): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const listener = getRequestListener((request, env) => {
    const address = 'incoming' in env ? env.incoming.socket.remoteAddress : undefined;
    return handler(request, address === undefined ? {} : { clientAddress: address });
  });
  return (req, res) => void listener(req, res);
}
