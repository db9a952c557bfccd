import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { starkKey, starknetJsHashes, starknetJsSign, type WireSessionRequest } from "../../../../test/support/starknet-js-reference.js";

/** How the fake answers sign requests: a correct signature, or a signature over another hash. */
export type FakeDfnsMode = "sign" | "signOtherHash";

export interface FakeDfnsCall {
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

export interface FakeDfnsSigner {
  readonly url: string;
  /** The Stark key of the key it signs with (what the sidecar pins). */
  readonly publicKey: string;
  mode: FakeDfnsMode;
  /** Every POST it received. */
  readonly calls: FakeDfnsCall[];
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/**
 * A DFNS stand-in with no policy at all: it signs whatever session request it is sent (the
 * hash computed with starknet.js from the request in the body, as SISNA's DFNS contract has
 * it), so every refusal a test sees must come from the sidecar's own checks.
 */
export async function startFakeDfnsSigner(privateKey: bigint): Promise<FakeDfnsSigner> {
  const calls: FakeDfnsCall[] = [];
  const state = { mode: "sign" as FakeDfnsMode };
  const publicKey = starkKey(privateKey);

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "OPTIONS") return send(res, 401, { error: "unauthorized" });
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) return send(res, 413, { error: "too large" });
      chunks.push(chunk as Buffer);
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { request: WireSessionRequest };
    calls.push({ headers: req.headers, body });
    const { domainHash, messageHash } = starknetJsHashes(body.request);
    const signed = state.mode === "signOtherHash" ? `0x${(BigInt(messageHash) + 1n).toString(16)}` : messageHash;
    const { r, s } = starknetJsSign(signed, privateKey);
    send(res, 200, {
      signatureMode: "v2_snip12",
      signatureKind: "Snip12",
      domainHash,
      messageHash,
      sessionPublicKey: publicKey,
      signature: [publicKey, `0x${r.toString(16)}`, `0x${s.toString(16)}`, `0x${body.request.validUntil.toString(16)}`],
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: "fake failed" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/sign`,
    publicKey,
    get mode() {
      return state.mode;
    },
    set mode(m: FakeDfnsMode) {
      state.mode = m;
    },
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
