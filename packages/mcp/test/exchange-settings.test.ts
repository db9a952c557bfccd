import { clientFromSettings, ENV_VARS, loadMcpSettings, McpSettingsError } from "@airlock/mcp";
import { describe, expect, it } from "vitest";

const SECRET = "Sup3r$ecret!-0123456789abcdef";
const BASE = { AIRLOCK_URL: "http://127.0.0.1:8545", AIRLOCK_HMAC_SECRET: SECRET };

function problems(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadMcpSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(McpSettingsError);
    return [...(err as McpSettingsError).problems];
  }
  throw new Error("expected the settings to be refused");
}

describe("the exchange variables of airlock-mcp", () => {
  it("fix the exchange account and venue for the operator, and add venue origins to the client", async () => {
    const settings = loadMcpSettings({
      ...BASE,
      AIRLOCK_EXCHANGE_ACCOUNT: "bf-main",
      AIRLOCK_EXCHANGE_VENUE: "binance_futures",
      AIRLOCK_VENUE_ORIGINS: '{"binance_futures":["http://127.0.0.1:9100"],"hyperliquid":["https://hl-gw.example"]}',
    });
    expect(settings.operator).toEqual({ requester: "mcp", exchangeAccount: "bf-main", venue: "binance_futures" });
    expect(settings.client.venueOrigins).toEqual({ binance_futures: ["http://127.0.0.1:9100"], hyperliquid: ["https://hl-gw.example"] });
    const client = clientFromSettings(settings);
    expect((client.toJSON()["venueOrigins"] as Record<string, string[]>)["binance_futures"]).toContain("http://127.0.0.1:9100");
    await client.close();
  });

  it.each([
    [ENV_VARS.exchangeAccount, "has space", "must be 1-64 of"],
    [ENV_VARS.exchangeVenue, "ftx", "must be one of binance, binance_futures"],
    [ENV_VARS.venueOrigins, "{not json", "is not valid JSON"],
    [ENV_VARS.venueOrigins, '["https://x.example"]', "must be an object"],
    [ENV_VARS.venueOrigins, '{"ftx":["https://ftx.example"]}', "has an unknown venue"],
    [ENV_VARS.venueOrigins, '{"okx":"https://gw.example"}', "entry okx must be an array"],
    [ENV_VARS.venueOrigins, '{"okx":["http://10.1.2.3:8080"]}', "entry okx[0] must use https (plain http only on a loopback host)"],
    [ENV_VARS.venueOrigins, '{"okx":["https://user:pw-hunter2@gw.example"]}', "entry okx[0] must not contain credentials"],
  ])("refuses %s=%s naming the variable, never the value", (variable, value, message) => {
    const found = problems({ ...BASE, [variable]: value });
    expect(found).toEqual([{ variable, message: expect.stringContaining(message) }]);
    expect(JSON.stringify(found)).not.toContain("hunter2");
    expect(JSON.stringify(found)).not.toContain("10.1.2.3");
  });
});
