import { ApiError, errorFromBody } from "../api/errors";
import type { DevLoginRequest, TokenResponse } from "../api/types";
import type { Authenticator, Session } from "./types";

const KEY = "rag.session";
// Treat a token as expired a little early so a request never leaves with a dying token.
const SKEW_MS = 30_000;

interface Stored {
  token: string;
  username: string;
  expiresAt: number;
}

/**
 * Local dev sign-in against `POST /auth/dev-login` of `rag serve`. The token lives in
 * sessionStorage: it ends with the tab and is not shared with other tabs' sessions.
 */
export class LocalAuthenticator implements Authenticator {
  readonly kind = "local" as const;
  readonly passwordRequired = false;

  constructor(
    private readonly apiUrl: string,
    private readonly storage: Storage = window.sessionStorage,
    private readonly now: () => number = Date.now,
  ) {}

  async restore(): Promise<Session | null> {
    const stored = this.read();
    return stored ? this.session(stored) : null;
  }

  async signIn(username: string, password: string): Promise<Session> {
    const body: DevLoginRequest = password ? { username, password } : { username };
    let res: Response;
    try {
      res = await fetch(`${this.apiUrl}/auth/dev-login`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "unavailable", "The server cannot be reached.");
    }
    const data: unknown = await res.json().catch(() => null);
    if (!res.ok) throw errorFromBody(res.status, data, "Sign-in failed.");
    const { access_token, expires_in, user_id } = data as TokenResponse;
    const stored: Stored = { token: access_token, username: user_id || username, expiresAt: this.now() + expires_in * 1000 };
    this.storage.setItem(KEY, JSON.stringify(stored));
    return this.session(stored);
  }

  async signOut(): Promise<void> {
    this.storage.removeItem(KEY);
  }

  private read(): Stored | null {
    try {
      const stored = JSON.parse(this.storage.getItem(KEY) ?? "null") as Stored | null;
      return stored && stored.expiresAt - SKEW_MS > this.now() ? stored : null;
    } catch {
      return null;
    }
  }

  private session(stored: Stored): Session {
    return {
      username: stored.username,
      token: async () => {
        if (!this.read()) throw new ApiError(401, "unauthorized", "Your session has expired. Sign in again.");
        return stored.token;
      },
    };
  }
}
