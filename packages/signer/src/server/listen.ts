import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TlsConfig } from "../config/config-types.js";

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
          requestCert: opts.tls.mtlsRequired,
          rejectUnauthorized: opts.tls.mtlsRequired,
        },
        handler,
      )
    : createHttpServer(handler);
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
