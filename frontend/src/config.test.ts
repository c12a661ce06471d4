import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config";

const base = "http://127.0.0.1:8000/app/";

describe("parseConfig", () => {
  it("reads the local configuration that rag serve writes", () => {
    const c = parseConfig({ mode: "local", apiUrl: "http://localhost:8000", wsUrl: "ws://localhost:8000/ws", auth: { type: "local" } }, base);
    expect(c).toEqual({ mode: "local", apiUrl: "http://localhost:8000", wsUrl: "ws://localhost:8000/ws", auth: { type: "local" } });
  });

  it("reads a Cognito configuration", () => {
    const c = parseConfig(
      {
        mode: "aws",
        apiUrl: "https://api.example.com/",
        wsUrl: "wss://ws.example.com/prod",
        auth: { type: "cognito", region: "eu-west-1", userPoolId: "eu-west-1_abc", userPoolClientId: "client" },
      },
      base,
    );
    expect(c.apiUrl).toBe("https://api.example.com");
    expect(c.auth).toEqual({
      type: "cognito",
      region: "eu-west-1",
      userPoolId: "eu-west-1_abc",
      userPoolClientId: "client",
      authFlow: "USER_SRP_AUTH",
    });
  });

  it("resolves relative URLs against the page", () => {
    const c = parseConfig({ mode: "local", apiUrl: "/", wsUrl: "/ws", auth: { type: "local" } }, base);
    expect(c.apiUrl).toBe("http://127.0.0.1:8000");
    expect(c.wsUrl).toBe("ws://127.0.0.1:8000/ws");
  });

  it("rejects what it does not understand", () => {
    const ok = { mode: "local", apiUrl: "/", wsUrl: "/ws", auth: { type: "local" } };
    expect(() => parseConfig({ ...ok, mode: "cloud" }, base)).toThrow(ConfigError);
    expect(() => parseConfig({ ...ok, apiUrl: "" }, base)).toThrow(ConfigError);
    expect(() => parseConfig({ ...ok, auth: { type: "cognito", region: "x" } }, base)).toThrow(/userPoolId/);
    expect(() => parseConfig({ ...ok, auth: { type: "saml" } }, base)).toThrow(ConfigError);
    const cognito = { type: "cognito", region: "r", userPoolId: "p", userPoolClientId: "c" };
    expect(() => parseConfig({ ...ok, auth: { ...cognito, authFlow: "CUSTOM_AUTH" } }, base)).toThrow(/authFlow/);
    expect(() => parseConfig(null, base)).toThrow(ConfigError);
  });
});
