import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A loopback HTTP server standing in for a venue in the client's send tests: it records every
 * request exactly as it arrived (method, raw target, headers, body bytes) and answers with the
 * queued replies, in order (then 200 `{}`).
 */

export type VenueReply =
  | { kind: "json"; status: number; body: unknown }
  | { kind: "text"; status: number; body: string; contentType?: string }
  | { kind: "huge"; bytes: number }
  | { kind: "close-socket" }
  /** Never answers (until the server closes). */
  | { kind: "hang" };

export interface ReceivedRequest {
  method: string;
  /** The request target as sent: path and query, byte for byte. */
  target: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The socket's local port on the server side, to tell connections apart. */
  remotePort: number | undefined;
}

export class FakeVenueServer {
  readonly received: ReceivedRequest[] = [];
  readonly #replies: VenueReply[] = [];
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.received.push({ method: req.method ?? "", target: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), remotePort: req.socket.remotePort });
        const reply = this.#replies.shift() ?? { kind: "json", status: 200, body: {} };
        switch (reply.kind) {
          case "json":
            res.writeHead(reply.status, { "content-type": "application/json" });
            res.end(JSON.stringify(reply.body));
            return;
          case "text":
            res.writeHead(reply.status, { "content-type": reply.contentType ?? "text/plain" });
            res.end(reply.body);
            return;
          case "huge": {
            res.writeHead(200, { "content-type": "application/json" });
            const chunk = "x".repeat(64 * 1024);
            for (let sent = 0; sent < reply.bytes; sent += chunk.length) res.write(chunk);
            res.end();
            return;
          }
          case "close-socket":
            req.socket.destroy();
            return;
          case "hang":
            return;
        }
      });
    });
    server.on("connection", (s: Socket) => {
      this.#sockets.add(s);
      s.on("close", () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    return this;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.#server?.address() as AddressInfo).port}`;
  }

  reply(...replies: VenueReply[]): void {
    this.#replies.push(...replies);
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
