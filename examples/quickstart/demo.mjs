// The main job, end to end: start the sidecar in dev mode, sign a Starknet session
// transaction through @airlock/core, check the signature independently with starknet.js,
// show a request the policy refuses, stop the sidecar. Exits non-zero if any step fails.
import { AirlockClient } from "@airlock/core";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { constants, ec, outsideExecution, typedData } from "starknet";

const CLI = fileURLToPath(new URL("../../packages/signer/dist/cli.js", import.meta.url));
const STRK = "0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d";

function startDevSidecar() {
  const child = spawn(process.execPath, [CLI, "dev", "--port", "0", "--json"], { stdio: ["ignore", "pipe", "inherit"] });
  const config = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the dev sidecar did not start within 20 s")), 20_000);
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
    child.once("exit", (code) => reject(new Error(`the dev sidecar exited with ${code}`)));
  });
  return { child, config };
}

/** Independent check: starknet.js rebuilds the typed data and verifies r, s with the public key. */
function verifyWithStarknetJs(request, signed) {
  const td = outsideExecution.getTypedData(
    request.chainId,
    { caller: constants.OutsideExecutionCallerAny, execute_after: 0, execute_before: request.validUntil },
    request.nonce,
    request.calls,
    "2",
  );
  const messageHash = typedData.getMessageHash(td, request.accountAddress);
  const [pub, r, s] = signed.signature;
  const x = BigInt(pub).toString(16).padStart(64, "0");
  const ok = ["02", "03"].some((prefix) => ec.starkCurve.verify(new ec.starkCurve.Signature(BigInt(r), BigInt(s)), messageHash, prefix + x));
  return { messageHash, ok: ok && messageHash === signed.messageHash };
}

const { child, config } = startDevSidecar();
let failed = false;
try {
  const dev = await config;
  console.log(`1. dev sidecar up at ${dev.url} (session key ${dev.sessionPublicKey})`);
  const airlock = new AirlockClient({ baseUrl: dev.url, clientId: dev.clientId, hmacSecret: dev.hmacSecret });
  const request = {
    accountAddress: "0x0586e6a3a4c7e1a0bc1e9d6c3e1d1c0e2f1b3a4c5d6e7f8091a2b3c4d5e6f708",
    chainId: "0x534e5f5345504f4c4941",
    nonce: "0x1",
    validUntil: Math.floor(Date.now() / 1000) + 600,
    calls: [{ contractAddress: STRK, entrypoint: "transfer", calldata: ["0x0123abc", "1000000000000000000", "0"] }],
    context: { tool: "demo", reason: "pay 1 STRK" },
  };
  const signed = await airlock.signSessionTransaction(request);
  console.log("2. signed session transaction:");
  console.log(JSON.stringify(signed, null, 2));
  const check = verifyWithStarknetJs(request, signed);
  if (!check.ok) throw new Error("starknet.js does not accept the signature");
  console.log(`3. starknet.js recomputed message hash ${check.messageHash} and verified the signature: OK`);

  const hostile = { ...request, calls: [{ contractAddress: request.accountAddress, entrypoint: "upgrade", calldata: ["0x1"] }] };
  const verdict = await airlock.evaluatePolicy(hostile);
  try {
    await airlock.signSessionTransaction(hostile);
    throw new Error("the sidecar signed an upgrade of the account itself");
  } catch (err) {
    if (err?.code !== "POLICY_DENIED") throw err;
    console.log(`4. refused as expected: an injected "upgrade" self-call -> ${err.code} (${err.ruleId}): ${verdict.reason}`);
  }
  await airlock.close();
} catch (err) {
  failed = true;
  console.error(`demo failed: ${err?.message ?? err}`);
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
  console.log("5. sidecar stopped");
}
process.exitCode = failed ? 1 : 0;
