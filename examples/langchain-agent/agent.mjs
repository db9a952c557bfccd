// A LangChain agent (createAgent) that signs Starknet session transactions through the Airlock
// signer sidecar, with the tools of @airlock/langchain. The agent never sees a key: it asks the
// sidecar, which signs only what its policy allows.
//
//   AIRLOCK_URL=… AIRLOCK_CLIENT_ID=… AIRLOCK_HMAC_SECRET=… node examples/langchain-agent/agent.mjs
//
// Without OPENAI_API_KEY / ANTHROPIC_API_KEY (and the matching @langchain/* package) it uses a
// scripted fake model, so it runs with no API key. See README.md next to this file.
import { AirlockClient } from "@airlock/core";
import { AirlockToolkit } from "@airlock/langchain";
import { HumanMessage } from "@langchain/core/messages";
import { createAgent } from "langchain";
import { pathToFileURL } from "node:url";
import { realModelFromEnv } from "./real-model.mjs";
import { scriptedModel, SYSTEM_PROMPT, taskPrompt } from "./scripted-model.mjs";

/** Session account used when none is given (an illustrative address; the sidecar does not need it to exist). */
export const DEFAULT_ACCOUNT = "0x0586e6a3a4c7e1a0bc1e9d6c3e1d1c0e2f1b3a4c5d6e7f8091a2b3c4d5e6f708";
/** SN_SEPOLIA. */
export const DEFAULT_CHAIN_ID = "0x534e5f5345504f4c4941";

function parseOutcome(content) {
  try {
    return JSON.parse(String(content));
  } catch {
    // Not one of our tools' answers: LangChain's own report of input that broke a schema.
    return { ok: false, error: "tool_error", summary: String(content) };
  }
}

/** Each tool call of the run, in order, with the model's arguments and the tool's parsed outcome. */
export function stepsOf(messages) {
  const calls = new Map();
  for (const m of messages) for (const tc of m.tool_calls ?? []) calls.set(tc.id, tc);
  return messages
    .filter((m) => m.type === "tool")
    .map((m) => ({ tool: m.name, args: calls.get(m.tool_call_id)?.args ?? {}, outcome: parseOutcome(m.content) }));
}

/** One readable line per call and result. */
export function formatSteps(steps) {
  return steps.flatMap(({ tool, args, outcome }) => [
    `  -> ${tool} ${JSON.stringify(args)}`,
    `  <- ${outcome.ok ? "ok" : `refused (${outcome.error}${outcome.ruleId ? `, rule ${outcome.ruleId}` : ""})`}: ${outcome.summary}`,
  ]);
}

/**
 * Runs the agent once against the sidecar at `airlockUrl` and closes its client.
 * `model`: any LangChain chat model that supports tool calling; the scripted fake one when omitted.
 * Refusals are part of a normal run (they are tool results); it throws only if the agent itself fails.
 * @returns {Promise<{answer: string, steps: Array<{tool: string, args: object, outcome: object}>, messages: object[]}>}
 */
export async function runAgent({ airlockUrl, clientId, hmacSecret, keyId, model, accountAddress = DEFAULT_ACCOUNT, chainId = DEFAULT_CHAIN_ID }) {
  const client = new AirlockClient({ baseUrl: airlockUrl, hmacSecret, ...(clientId ? { clientId } : {}), ...(keyId ? { keyId } : {}) });
  try {
    // Operator settings: the agent signs for this account on this chain, whatever the model says.
    const toolkit = new AirlockToolkit(client, { accountAddress, chainId, requester: "langchain-agent-example" });
    const agent = createAgent({ model: model ?? scriptedModel(accountAddress), tools: toolkit.getTools(), systemPrompt: SYSTEM_PROMPT });
    const { messages } = await agent.invoke({ messages: [new HumanMessage(taskPrompt(accountAddress))] }, { recursionLimit: 20 });
    const last = messages.at(-1);
    return { answer: typeof last?.content === "string" ? last.content : JSON.stringify(last?.content), steps: stepsOf(messages), messages };
  } finally {
    await client.close();
  }
}

async function main(env) {
  const missing = ["AIRLOCK_URL", "AIRLOCK_HMAC_SECRET"].filter((name) => !env[name]);
  if (missing.length > 0) {
    console.error(`Set ${missing.join(" and ")} (start a dev sidecar with \`npm start\`: it prints them).`);
    return 2;
  }
  const real = await realModelFromEnv(env);
  console.log(`model: ${real ? real.label : "scripted fake model (no API key needed)"}`);
  const { answer, steps } = await runAgent({
    airlockUrl: env.AIRLOCK_URL,
    clientId: env.AIRLOCK_CLIENT_ID,
    hmacSecret: env.AIRLOCK_HMAC_SECRET,
    keyId: env.AIRLOCK_KEY_ID,
    model: real?.model,
    accountAddress: env.AIRLOCK_ACCOUNT_ADDRESS || DEFAULT_ACCOUNT,
    chainId: env.AIRLOCK_CHAIN_ID || DEFAULT_CHAIN_ID,
  });
  console.log("tool calls:");
  for (const line of formatSteps(steps)) console.log(line);
  console.log(`answer: ${answer}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.env).then(
    (code) => (process.exitCode = code),
    (err) => {
      // The message only: an error's other fields could carry request details.
      console.error(`agent failed: ${err?.message ?? err}`);
      process.exitCode = 1;
    },
  );
}
