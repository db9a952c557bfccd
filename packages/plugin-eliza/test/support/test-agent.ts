import { AgentRuntime, ModelType, type Character, type IDatabaseAdapter, type Memory, type UUID } from "@elizaos/core";
import { randomUUID } from "node:crypto";
import { vi } from "vitest";
import { AIRLOCK_SERVICE_TYPE, airlockPlugin, type AirlockService } from "../../src/index.js";

/**
 * A real ElizaOS AgentRuntime for tests, with no database and no LLM:
 * - a stub adapter that only records `log` (useModel writes every model call there);
 * - scripted model answers (TEXT_SMALL or OBJECT_SMALL) and a record of the prompts;
 * - every runtime logger call recorded at every level (nothing printed).
 */

/** One scripted model answer: a value returned as is, an Error thrown, or a function of the prompt. */
export type ModelAnswer = unknown;

export interface TestAgent {
  readonly rt: AgentRuntime;
  /** Answers the model gives, in order; an empty queue makes the model throw. */
  readonly answers: ModelAnswer[];
  /** Prompts the model received. */
  readonly prompts: string[];
  /** Every runtime logger call (JSON of its arguments) and every adapter.log body. */
  readonly logs: string[];
  service(): AirlockService;
  stop(): Promise<void>;
}

export interface AgentOptions {
  name?: string;
  settings?: Record<string, string | number | boolean | Record<string, unknown>>;
  secrets?: Record<string, string | number | boolean>;
  /** The runtime's own settings (what the environment gives in production). */
  runtimeSettings?: Record<string, string>;
  model?: "text" | "object" | "none";
  /** Register the plugin and start its service (default true). */
  withPlugin?: boolean;
}

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "success", "progress", "log"] as const;

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof Error ? { name: v.name, message: v.message } : v));
  } catch {
    return String(value);
  }
}

/** Builds the runtime; when withPlugin, registers the plugin the way ElizaOS does and waits for the service. */
export async function startAgent(opts: AgentOptions = {}): Promise<TestAgent> {
  const logs: string[] = [];
  const prompts: string[] = [];
  const answers: ModelAnswer[] = [];
  const adapter = { log: async (entry: { body: unknown }) => void logs.push(stringify(entry)) } as unknown as IDatabaseAdapter;
  const character: Character = {
    name: opts.name ?? "Test Agent",
    bio: "An agent under test.",
    ...(opts.settings === undefined ? {} : { settings: opts.settings }),
    ...(opts.secrets === undefined ? {} : { secrets: opts.secrets }),
  };
  const rt = new AgentRuntime({ character, adapter, settings: opts.runtimeSettings ?? {} });
  const logger = rt.logger as unknown as Record<string, unknown>;
  for (const level of LEVELS) logger[level] = (...args: unknown[]) => void logs.push(`${level} ${stringify(args)}`);

  const model = async (_rt: unknown, params: Record<string, unknown>): Promise<unknown> => {
    prompts.push(String(params["prompt"]));
    if (answers.length === 0) throw new Error("no scripted model answer left");
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return typeof next === "function" ? (next as (p: string) => unknown)(String(params["prompt"])) : next;
  };
  if (opts.model === "text" || opts.model === undefined) rt.registerModel(ModelType.TEXT_SMALL, model, "scripted");
  if (opts.model === "object") rt.registerModel(ModelType.OBJECT_SMALL, model, "scripted");

  if (opts.withPlugin !== false) {
    await rt.registerPlugin(airlockPlugin);
    const loaded = rt.getServiceLoadPromise(AIRLOCK_SERVICE_TYPE);
    // No database: initialize() would throw, so release the services' wait on it by hand.
    (rt as unknown as { initResolver: () => void }).initResolver();
    await loaded;
  }
  return {
    rt,
    answers,
    prompts,
    logs,
    service: () => {
      const s = rt.getService<AirlockService>(AIRLOCK_SERVICE_TYPE);
      if (s === null) throw new Error("no airlock service");
      return s;
    },
    stop: () => rt.stop(),
  };
}

/** A user message to the agent. */
export function userMessage(rt: AgentRuntime, content: Memory["content"]): Memory {
  return { id: randomUUID() as UUID, entityId: randomUUID() as UUID, agentId: rt.agentId, roomId: randomUUID() as UUID, content, createdAt: Date.now() };
}

/** Runs an action's handler as the runtime would, with a recording callback. */
export async function runAction(agent: TestAgent, actionName: string, content: Memory["content"]) {
  const action = agent.rt.actions.find((a) => a.name === actionName);
  if (action === undefined) throw new Error(`no action ${actionName}`);
  const callback = vi.fn(async (_content: Memory["content"]) => [] as Memory[]);
  const message = userMessage(agent.rt, content);
  const valid = await action.validate(agent.rt, message);
  const result = await action.handler(agent.rt, message, { values: {}, data: {}, text: "" }, {}, callback);
  if (result === undefined || result === null || typeof result !== "object") throw new Error(`${actionName} returned no ActionResult`);
  return { valid, result, callback, texts: callback.mock.calls.map(([c]) => String(c.text)) };
}
