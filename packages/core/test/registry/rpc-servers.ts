// Loopback JSON-RPC servers for the registry check's tests: ganache behind a counting proxy, and
// a hostile node whose behaviour is chosen by the first path segment.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import ganache from "ganache";
import { AbiCoder, BrowserProvider, Contract, ZeroAddress, type JsonRpcSigner } from "ethers";
import { deployRegistry } from "@airlock/registry";

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export interface RegistryChain {
  /** Proxy URL in front of ganache: the check's rpcUrl. */
  url: string;
  /** JSON-RPC methods the proxy forwarded, in order. */
  methods: string[];
  /** Count of forwarded calls of `method`. */
  count(method: string): number;
  registryAddress: string;
  signers: JsonRpcSigner[];
  accounts: string[];
  /** The registry as account `i` sees it. */
  as(i: number): Contract;
  close(): Promise<void>;
}

/**
 * ganache 7.9.2 served over loopback HTTP, with the registry deployed by account 0, behind a proxy
 * that counts what the check sends. Setup transactions go through ganache's in-process provider,
 * so the proxy sees only the check's own calls.
 */
export async function startRegistryChain(): Promise<RegistryChain> {
  const node = ganache.server({
    logging: { quiet: true },
    chain: { hardfork: "shanghai" },
    wallet: { deterministic: true, totalAccounts: 3 },
  });
  await node.listen(0, "127.0.0.1");
  const nodeUrl = `http://127.0.0.1:${node.address().port}`;
  const provider = new BrowserProvider(node.provider as never);
  const signers = await Promise.all([0, 1, 2].map((i) => provider.getSigner(i)));
  const accounts = await Promise.all(signers.map((s) => s.getAddress()));
  const registry = await deployRegistry(signers[0]!);

  const methods: string[] = [];
  const proxy = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
    for (const p of Array.isArray(parsed) ? parsed : [parsed]) methods.push(String(p.method));
    const answer = await fetch(nodeUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
    res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
  });
  const url = await listen(proxy);
  return {
    url,
    methods,
    count: (m) => methods.filter((x) => x === m).length,
    registryAddress: await registry.getAddress(),
    signers,
    accounts,
    as: (i) => registry.connect(signers[i]!) as Contract,
    close: async () => {
      await close(proxy);
      await node.close();
    },
  };
}

const abi = AbiCoder.defaultAbiCoder();
const word = (hex: string) => hex.padStart(64, "0");

/** What the hostile node answers, by mode (the first path segment). */
export const HOSTILE_OWNER = "0x21538eBF6598e5866BA496A954dE8E39097bFB59";
const OTHER = "0x000000000000000000000000000000000000dEaD";

type Handler = (res: http.ServerResponse, id: unknown, req: http.IncomingMessage) => void;
const json = (res: http.ServerResponse, value: unknown, status = 200) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
const result = (res: http.ServerResponse, id: unknown, value: unknown) => json(res, { jsonrpc: "2.0", id, result: value });

export function hostileHandlers(ccipTarget: string): Record<string, Handler> {
  return {
    "active-owner": (res, id) => result(res, id, abi.encode(["bool", "address"], [true, HOSTILE_OWNER])),
    "active-other": (res, id) => result(res, id, abi.encode(["bool", "address"], [true, OTHER])),
    "active-zero": (res, id) => result(res, id, abi.encode(["bool", "address"], [true, ZeroAddress])),
    "inactive-owner": (res, id) => result(res, id, abi.encode(["bool", "address"], [false, HOSTILE_OWNER])),
    garbage: (res) => res.writeHead(200, { "content-type": "application/json" }).end("<html>not json</html>"),
    "not-utf8": (res) => res.writeHead(200).end(Buffer.from([0xff, 0xfe, 0xfd])),
    empty: (res) => res.writeHead(200).end(),
    short: (res, id) => result(res, id, `0x${word("1")}`),
    long: (res, id) => result(res, id, `${abi.encode(["bool", "address"], [true, HOSTILE_OWNER])}${word("0")}`),
    "empty-result": (res, id) => result(res, id, "0x"),
    "odd-hex": (res, id) => result(res, id, "0x123"),
    "non-hex": (res, id) => result(res, id, `0x${"zz".repeat(64)}`),
    "number-result": (res, id) => result(res, id, 1),
    "no-result": (res, id) => json(res, { jsonrpc: "2.0", id }),
    "wrong-id": (res) => result(res, 987654, abi.encode(["bool", "address"], [true, HOSTILE_OWNER])),
    "bool-two": (res, id) => result(res, id, `0x${word("2")}${word(HOSTILE_OWNER.slice(2).toLowerCase())}`),
    "dirty-address": (res, id) => result(res, id, `0x${word("1")}ff${word(HOSTILE_OWNER.slice(2).toLowerCase()).slice(2)}`),
    "rpc-error": (res, id) => json(res, { jsonrpc: "2.0", id, error: { code: -32603, message: "internal error" } }),
    "rate-limited": (res) => json(res, { error: "slow down" }, 429),
    "http-500": (res) => json(res, { error: "boom" }, 500),
    revert: (res, id) =>
      json(res, { jsonrpc: "2.0", id, error: { code: 3, message: "execution reverted", data: "0x5b8b6dd6" } }),
    // OffchainLookup(address sender, string[] urls, bytes callData, bytes4 callback, bytes extraData)
    ccip: (res, id) =>
      json(res, {
        jsonrpc: "2.0",
        id,
        error: {
          code: 3,
          message: "execution reverted",
          data:
            "0x556f1830" +
            abi
              .encode(
                ["address", "string[]", "bytes", "bytes4", "bytes"],
                [HOSTILE_CCIP_SENDER, [`${ccipTarget}/{sender}/{data}`], "0x", "0x12345678", "0x"],
              )
              .slice(2),
        },
      }),
    gzip: (res, id) =>
      res
        .writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
        .end(gzipSync(JSON.stringify({ jsonrpc: "2.0", id, result: abi.encode(["bool", "address"], [true, HOSTILE_OWNER]) }))),
    huge: (res, id) => json(res, { jsonrpc: "2.0", id, result: abi.encode(["bool", "address"], [true, HOSTILE_OWNER]), pad: "x".repeat(70_000) }),
    redirect: (res) => res.writeHead(302, { location: `${ccipTarget}/redirected` }).end(),
    hang: () => {},
    trickle: (res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const t = setInterval(() => res.write(" "), 50);
      res.on("close", () => clearInterval(t));
    },
    close: (_res, _id, req) => req.socket.destroy(),
    "close-mid-body": (res, _id, req) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "200" });
      res.write('{"jsonrpc":"2.0",');
      setTimeout(() => req.socket.destroy(), 20);
    },
    "chain-other": (res, id) => result(res, id, "0x1"),
    "chain-bad": (res, id) => result(res, id, "0x0001"),
    "chain-error": (res, id) => json(res, { jsonrpc: "2.0", id, error: { code: -32601, message: "no such method" } }),
  };
}

/** The registry address the hostile tests configure (the CCIP payload must name it as sender). */
export const HOSTILE_CCIP_SENDER = "0x38b42eED740b0fDeb211bBDf773F2238cAEec240";

export interface HostileNode {
  /** Base URL; append `/<mode>`. */
  url: string;
  /** Every request received: path, query, authorization header, JSON-RPC method. */
  requests: { path: string; search: string; authorization?: string; method?: string }[];
  /** Requests the CCIP/redirect target received (must stay empty). */
  targetHits: string[];
  close(): Promise<void>;
}

/**
 * A hostile JSON-RPC node on 127.0.0.1. For `eth_chainId`, a mode starting with "chain-" decides
 * the answer and any other mode answers 0x539 (1337); every other method gets the mode's answer.
 */
export async function startHostileNode(): Promise<HostileNode> {
  const targetHits: string[] = [];
  const target = http.createServer((req, res) => {
    targetHits.push(req.url ?? "");
    json(res, { jsonrpc: "2.0", id: 1, result: abi.encode(["bool", "address"], [true, HOSTILE_OWNER]) });
  });
  const targetUrl = await listen(target);
  const handlers = hostileHandlers(targetUrl);
  const requests: HostileNode["requests"] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const mode = url.pathname.split("/")[1] ?? "";
    let rpc: { id?: unknown; method?: string } = {};
    try {
      rpc = JSON.parse(await readBody(req)) as typeof rpc;
    } catch {
      // answered by the mode anyway
    }
    requests.push({
      path: url.pathname,
      search: url.search,
      ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
      ...(rpc.method === undefined ? {} : { method: rpc.method }),
    });
    const handler = rpc.method === "eth_chainId" && !mode.startsWith("chain-") ? undefined : handlers[mode];
    if (handler === undefined) return result(res, rpc.id, "0x539");
    handler(res, rpc.id, req);
  });
  const url = await listen(server);
  return {
    url,
    requests,
    targetHits,
    close: async () => {
      await close(server);
      await close(target);
    },
  };
}
