// A hostile host in the middle, on loopback: forwards every request to the sidecar and lets a
// test rewrite the answer (body, headers, status) or record what went through. Used to prove
// that the Nitro client catches what a host between it and the enclave could do.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

export interface ProxiedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type AnswerRewrite = (req: SeenRequest, answer: ProxiedAnswer) => ProxiedAnswer | Promise<ProxiedAnswer>;

export interface MitmProxy {
  readonly url: string;
  /** Every request that reached the proxy, in order. */
  readonly seen: SeenRequest[];
  /** Where requests go (changeable: a "restarted" enclave). */
  target: string;
  /** Rewrites answers while set. */
  rewrite: AnswerRewrite | undefined;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length"]);

export async function startMitmProxy(target: string): Promise<MitmProxy> {
  const proxy: MitmProxy = { url: "", seen: [], target, rewrite: undefined, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const seen: SeenRequest = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers };
      proxy.seen.push(seen);
      const to = new URL(proxy.target);
      const headers: IncomingHttpHeaders = { ...req.headers, host: to.host };
      const out = httpRequest({ host: to.hostname, port: to.port, method: seen.method, path: seen.path, headers }, (up) => {
        const body: Buffer[] = [];
        up.on("data", (c: Buffer) => body.push(c));
        up.on("end", () => {
          void (async () => {
            let answer: ProxiedAnswer = { status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(body) };
            if (proxy.rewrite) answer = await proxy.rewrite(seen, answer);
            const sent: Record<string, string | string[]> = {};
            for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) sent[k] = v;
            sent["content-length"] = String(answer.body.length);
            res.writeHead(answer.status, sent);
            res.end(answer.body);
          })();
        });
      });
      out.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      out.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
