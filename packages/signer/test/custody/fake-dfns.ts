import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SessionTransactionRequest } from "@airlock/core";
import { feltHex, sessionRequestHashes, signLowS, starkKeyOf, STARK_ORDER } from "@airlock/core/starknet";

/** How the fake answers the next sign requests. */
export type FakeMode =
  | "ok"
  | "policy400"
  | "policy422"
  | "policy422Ugly"
  | "policy422NoMessage"
  | "badRequestNonJson"
  | "error500"
  | "hang"
  | "nonJson"
  | "oversized"
  | "oversizedChunked"
  | "redirect"
  | "wrongDomainHash"
  | "wrongMessageHash"
  | "wrongPin"
  | "wrongSignatureKey"
  | "wrongValidUntil"
  | "badEcdsa"
  | "highS"
  | "wrongMode"
  | "wrongKind"
  | "threeElements"
  | "decimalFelt";

export interface Received {
  method: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export interface FakeDfns {
  readonly url: string;
  mode: FakeMode;
  readonly received: Received[];
  close(): Promise<void>;
}

export interface FakeDfnsOptions {
  token: string;
  userAction: string;
  /** The key DFNS holds (its Stark key is what the sidecar pins). */
  privateKey: bigint;
  /** Another key, for the wrong-pin case. */
  otherKey: bigint;
}

const MAX_BODY = 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error("request too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A local stand-in for the DFNS signing service SISNA talks to: it checks the headers and body
 * the sidecar sends exactly as SISNA's provider sends them, hashes the request itself and
 * answers with a real Stark signature, or with one of the failure modes under test.
 */
export async function startFakeDfns(opts: FakeDfnsOptions): Promise<FakeDfns> {
  const received: Received[] = [];
  const state = { mode: "ok" as FakeMode };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: "fake failed" });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const entry: Received = { method: req.method ?? "", headers: req.headers, body: undefined };
    received.push(entry);
    const authorised = req.headers.authorization === `Bearer ${opts.token}` && req.headers["x-dfns-useraction"] === opts.userAction;
    if (req.method === "OPTIONS") {
      // A real DFNS endpoint answers a bare OPTIONS with an error; SISNA counts any answer as reachable.
      send(res, 401, { error: "unauthorized" });
      return;
    }
    if (req.method !== "POST" || !authorised || req.headers["content-type"] !== "application/json") {
      send(res, 401, { error: "unauthorized" });
      return;
    }
    const body = JSON.parse(text) as Record<string, unknown>;
    entry.body = body;
    if (JSON.stringify(Object.keys(body).sort()) !== JSON.stringify(["clientId", "kind", "request", "signatureMode"]) || body["kind"] !== "Snip12" || body["signatureMode"] !== "v2_snip12") {
      send(res, 400, { error: "unexpected body" });
      return;
    }
    const request = SessionTransactionRequest.parse(body["request"]);
    const hashes = sessionRequestHashes(request);
    const mode = state.mode;

    switch (mode) {
      case "policy400":
        return send(res, 400, { error: "dfns policy: amount above approval threshold" });
      case "policy422":
        return send(res, 422, { error: "dfns policy: destination not allowlisted" });
      case "policy422Ugly":
        return send(res, 422, { error: `line one\nline two\u0000${"x".repeat(1000)}` });
      case "policy422NoMessage":
        return send(res, 422, { detail: "no error field" });
      case "badRequestNonJson":
        res.writeHead(400, { "content-type": "text/html" });
        res.end("<html>bad request</html>");
        return;
      case "error500":
        return send(res, 500, { error: "internal" });
      case "hang":
        return; // never answers; the sidecar must give up on its own
      case "nonJson":
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{not json");
        return;
      case "oversized":
        return send(res, 200, { padding: "x".repeat(70 * 1024) });
      case "oversizedChunked": {
        res.writeHead(200, { "content-type": "application/json" });
        const chunk = "x".repeat(8 * 1024);
        res.write('{"padding":"');
        for (let i = 0; i < 16; i++) res.write(chunk);
        res.end('"}');
        return;
      }
      case "redirect":
        res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" });
        res.end();
        return;
      default:
        break;
    }

    const key = mode === "wrongPin" ? opts.otherKey : opts.privateKey;
    const pub = starkKeyOf(key);
    let { r, s } = signLowS(hashes.messageHash, key);
    if (mode === "badEcdsa") r = r === 1n ? 2n : r - 1n;
    if (mode === "highS") s = STARK_ORDER - s;
    const answer = {
      signatureMode: mode === "wrongMode" ? "v1" : "v2_snip12",
      signatureKind: mode === "wrongKind" ? "Eip712" : "Snip12",
      domainHash: feltHex(mode === "wrongDomainHash" ? hashes.domainHash + 1n : hashes.domainHash),
      messageHash: feltHex(mode === "wrongMessageHash" ? hashes.messageHash + 1n : hashes.messageHash),
      sessionPublicKey: feltHex(pub),
      signature: [
        feltHex(mode === "wrongSignatureKey" ? pub + 1n : pub),
        mode === "decimalFelt" ? r.toString() : feltHex(r),
        feltHex(s),
        feltHex(BigInt(request.validUntil) + (mode === "wrongValidUntil" ? 1n : 0n)),
      ],
    };
    if (mode === "threeElements") answer.signature.pop();
    send(res, 200, answer);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/sign?tenant=t1`,
    get mode() {
      return state.mode;
    },
    set mode(m: FakeMode) {
      state.mode = m;
    },
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
