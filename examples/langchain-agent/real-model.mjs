// A real chat model, when the user has one: OPENAI_API_KEY with @langchain/openai, or
// ANTHROPIC_API_KEY with @langchain/anthropic. Neither package is a dependency of this
// repository; they are imported only when asked for, and a missing one is reported clearly.

const PROVIDERS = [
  { keyEnv: "OPENAI_API_KEY", pkg: "@langchain/openai", className: "ChatOpenAI", modelEnv: "OPENAI_MODEL", defaultModel: "gpt-4.1-mini" },
  { keyEnv: "ANTHROPIC_API_KEY", pkg: "@langchain/anthropic", className: "ChatAnthropic", modelEnv: "ANTHROPIC_MODEL", defaultModel: "claude-haiku-4-5" },
];

const isMissing = (err, pkg) => err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes(pkg);

/**
 * The first provider whose API key is set and whose package is installed, as
 * `{ model, label }`; undefined when there is none. `note` receives one line per provider that
 * has a key but no package. The provider's client reads its API key from the environment itself.
 */
export async function realModelFromEnv(env = process.env, note = (line) => console.error(line)) {
  for (const p of PROVIDERS) {
    if (!env[p.keyEnv]) continue;
    let mod;
    try {
      mod = await import(p.pkg);
    } catch (err) {
      if (!isMissing(err, p.pkg)) throw err;
      note(`${p.keyEnv} is set but ${p.pkg} is not installed: run \`npm i ${p.pkg}\` to use it.`);
      continue;
    }
    const name = env[p.modelEnv] || p.defaultModel;
    return { model: new mod[p.className]({ model: name }), label: `${p.className} (${name})` };
  }
  return undefined;
}
