import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { TlsConfig } from "../config/config-types.js";
import { framingErrorResponse } from "./respond.js";

export interface Listening {
  readonly server: Server;
  /** Base URL of the listening socket, e.g. http://127.0.0.1:8545. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts HTTP, or HTTPS with TLS 1.2+ and optional mutual TLS (SISNA's transport), with
 * SISNA's timeouts: request 30 s, headers 35 s, keep-alive 5 s.
 */
export function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  opts: { host: string; port: number; tls?: TlsConfig | undefined },
): Promise<Listening> {
  const server: Server = opts.tls
    ? createHttpsServer(
        {
          cert: readFileSync(opts.tls.certPath),
          key: readFileSync(opts.tls.keyPath),
          ...(opts.tls.caPath ? { ca: readFileSync(opts.tls.caPath) } : {}),
          minVersion: "TLSv1.2",
          requireHostHeader: false,
          requestCert: opts.tls.mtlsRequired,
          rejectUnauthorized: opts.tls.mtlsRequired,
        },
        handler,
      )
    : // Host is not used for anything; without this Node answers a request that lacks it (or
      // loses it past maxHeadersCount) with a bare 400 instead of our JSON.
      createHttpServer({ requireHostHeader: false }, handler);
  server.on("clientError", answerFramingError);
  server.requestTimeout = 30_000;
  server.headersTimeout = 35_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 64;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      const addr = server.address() as AddressInfo;
      const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
      const url = `${opts.tls ? "https" : "http"}://${host}:${addr.port}`;
      resolve({
        server,
        url,
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/**
 * Broken HTTP framing (bad request line, content-length, chunking, header bytes, headers over
 * 16 KiB) never reaches the handler: Node raises clientError. Answer it with the same JSON error
 * body as everything else, then close the connection.
 */
function answerFramingError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (socket.writable && !(err.code === "ECONNRESET" || err.code === "ERR_HTTP_REQUEST_TIMEOUT")) {
    socket.end(framingErrorResponse(err.code === "HPE_HEADER_OVERFLOW" ? "HEADERS_TOO_LARGE" : "MALFORMED_REQUEST"));
  }
  socket.destroy();
}
