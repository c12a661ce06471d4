/** Run-time configuration, read from `config.json` beside the app (one build serves both modes). */
export type AuthConfig =
  | { type: "local" }
  | {
      type: "cognito";
      region: string;
      userPoolId: string;
      userPoolClientId: string;
      /** Optional: Cognito API endpoint override (tests against a local emulator). */
      endpoint?: string;
      /** Optional: sign-in flow; SRP (the password never leaves the browser) by default. */
      authFlow?: CognitoAuthFlow;
    };

export type CognitoAuthFlow = "USER_SRP_AUTH" | "USER_PASSWORD_AUTH";

export interface AppConfig {
  mode: "local" | "aws";
  apiUrl: string;
  wsUrl: string;
  auth: AuthConfig;
}

export class ConfigError extends Error {}

function str(obj: Record<string, unknown>, key: string): string {
  const value = obj[key];
  if (typeof value !== "string" || !value) throw new ConfigError(`config.json: "${key}" must be a non-empty string`);
  return value;
}

/** Validate an untrusted config object; relative URLs resolve against the page's location. */
export function parseConfig(raw: unknown, base: string = window.location.href): AppConfig {
  if (typeof raw !== "object" || raw === null) throw new ConfigError("config.json: not an object");
  const obj = raw as Record<string, unknown>;
  const mode = str(obj, "mode");
  if (mode !== "local" && mode !== "aws") throw new ConfigError(`config.json: unknown mode "${mode}"`);
  const auth = (obj.auth ?? {}) as Record<string, unknown>;
  const apiUrl = new URL(str(obj, "apiUrl"), base).href.replace(/\/+$/, "");
  const wsUrl = new URL(str(obj, "wsUrl"), base.replace(/^http/, "ws")).href;
  if (auth.type === "local") return { mode, apiUrl, wsUrl, auth: { type: "local" } };
  if (auth.type === "cognito") {
    const endpoint = typeof auth.endpoint === "string" && auth.endpoint ? auth.endpoint : undefined;
    const flow = auth.authFlow ?? "USER_SRP_AUTH";
    if (flow !== "USER_SRP_AUTH" && flow !== "USER_PASSWORD_AUTH") {
      throw new ConfigError(`config.json: unknown auth.authFlow "${String(flow)}"`);
    }
    return {
      mode,
      apiUrl,
      wsUrl,
      auth: {
        type: "cognito",
        region: str(auth, "region"),
        userPoolId: str(auth, "userPoolId"),
        userPoolClientId: str(auth, "userPoolClientId"),
        authFlow: flow,
        ...(endpoint ? { endpoint } : {}),
      },
    };
  }
  throw new ConfigError(`config.json: unknown auth type "${String(auth.type)}"`);
}

/** Fetch and validate `config.json` (never cached: a redeploy may change it). */
export async function loadConfig(url = "config.json"): Promise<AppConfig> {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) throw new ConfigError(`config.json could not be loaded (${res.status})`);
  return parseConfig(await res.json());
}
