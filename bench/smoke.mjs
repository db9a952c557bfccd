// One signed request checked end to end before any load: a benchmark of a sidecar that
// answers wrongly (or refuses) would measure nothing.
import { request } from "node:http";
import { SessionTransactionRequest } from "../packages/core/dist/index.js";
import { feltHex, sessionRequestHashes, starkKeyOf, verifyWithStarkKey } from "../packages/core/dist/starknet/index.js";
import { authHeaders, SIGN_PATH, sessionBody } from "./workload.mjs";

/** POST `body` with `headers` to `path` on `url`; resolves to {status, text}. */
export function post(url, path, body, headers) {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Sends one request and checks the answer: 200, the message hash we compute ourselves, the
 * session public key of our private key, and a Stark signature that verifies.
 */
export async function smokeCheck(url, secrets) {
  const body = sessionBody();
  const { status, text } = await post(url, SIGN_PATH, body, authHeaders({ hmacSecret: secrets.hmacSecret, method: "POST", path: SIGN_PATH, body }));
  if (status !== 200) throw new Error(`smoke request answered ${status}: ${text.slice(0, 500)}`);
  const answer = JSON.parse(text);
  const { messageHash } = sessionRequestHashes(SessionTransactionRequest.parse(JSON.parse(body)));
  const starkKey = starkKeyOf(BigInt(secrets.privateKey));
  const problems = [];
  if (answer.messageHash !== feltHex(messageHash)) problems.push("message hash differs from the locally computed one");
  if (answer.sessionPublicKey !== feltHex(starkKey)) problems.push("session public key is not ours");
  const [, r, s] = answer.signature;
  if (!verifyWithStarkKey(messageHash, starkKey, { r: BigInt(r), s: BigInt(s) })) problems.push("signature does not verify");
  if (problems.length > 0) throw new Error(`smoke request: ${problems.join("; ")}`);
}
