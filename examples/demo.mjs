// `npm run demo`, the main job end to end: start the signer sidecar in dev mode, run the
// LangChain agent example against it (it signs an STRK transfer and tries a forbidden
// account upgrade), print the signed transaction, check its signature independently with
// starknet.js, show the policy's refusal, stop the sidecar. Exits non-zero if any step fails.
import { formatSteps, runAgent } from "./langchain-agent/agent.mjs";
import { startDevSidecar } from "./support/dev-sidecar.mjs";
import { verifyWithStarknetJs } from "./support/starknet-js-check.mjs";
import { TOOL_NAMES } from "@airlock/langchain";

class DemoFailure extends Error {}

const signSteps = (steps) => steps.filter((s) => s.tool === TOOL_NAMES.signSessionTransaction);

/** The session transaction the agent got signed, rebuilt from its tool call and the tool's answer. */
function signedTransaction(steps) {
  const step = signSteps(steps).find((s) => s.outcome.ok);
  if (!step) throw new DemoFailure("the agent got no signature for the STRK transfer");
  const { accountAddress, chainId, nonce, validUntil, messageHash, signature } = step.outcome.data;
  const calls = step.args.calls.map((c) => ({ contractAddress: c.contractAddress, entrypoint: c.entrypoint, calldata: c.calldata ?? [] }));
  return { accountAddress, chainId, nonce, validUntil, calls, messageHash, signature };
}

/** The agent's attempt to upgrade its own account, which the policy must have refused. */
function refusedUpgrade(steps) {
  const step = signSteps(steps).find((s) => (s.args.calls ?? []).some((c) => c.entrypoint === "upgrade"));
  if (!step) throw new DemoFailure("the agent did not try the upgrade");
  if (step.outcome.ok) throw new DemoFailure("the sidecar signed an upgrade of the account itself");
  if (step.outcome.error !== "policy_denied" || !step.outcome.ruleId) throw new DemoFailure(`the upgrade failed for another reason: ${step.outcome.summary}`);
  return step.outcome;
}

const sidecar = startDevSidecar();
let failed = false;
try {
  const dev = await sidecar.config;
  console.log(`1. dev sidecar up at ${dev.url} (session key ${dev.sessionPublicKey})`);

  const { steps, answer } = await runAgent({ airlockUrl: dev.url, clientId: dev.clientId, hmacSecret: dev.hmacSecret });
  console.log("2. LangChain agent (createAgent with @airlock/langchain's tools, scripted model) ran its task:");
  for (const line of formatSteps(steps)) console.log(line);

  const tx = signedTransaction(steps);
  console.log("3. signed session transaction (SNIP-9 v2 outside execution):");
  console.log(JSON.stringify(tx, null, 2));

  const check = verifyWithStarknetJs(tx, tx);
  if (!check.ok) throw new DemoFailure("starknet.js does not accept the signature");
  if (BigInt(tx.signature[0]) !== BigInt(dev.sessionPublicKey)) throw new DemoFailure("the signature names a key other than the sidecar's session key");
  console.log(`4. starknet.js recomputed message hash ${check.messageHash} and verified the signature: OK`);

  const refusal = refusedUpgrade(steps);
  console.log(`5. refused as expected: the agent's "upgrade" of its own account -> ${refusal.error} (rule ${refusal.ruleId}): ${refusal.summary}`);
  console.log(`6. the agent's answer: ${answer}`);
} catch (err) {
  failed = true;
  console.error(`demo failed: ${err?.message ?? err}`);
  const logs = sidecar.logs().trim();
  if (logs) console.error(`sidecar log (last lines):\n${logs.split("\n").slice(-20).join("\n")}`);
} finally {
  const code = await sidecar.stop();
  console.log(`7. sidecar stopped (exit code ${code})`);
  if (code !== 0 && !failed) {
    failed = true;
    console.error("demo failed: the sidecar did not shut down cleanly");
  }
}
process.exitCode = failed ? 1 : 0;
