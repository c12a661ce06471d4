/** A signed-in session: who, and how to get a current access token. */
export interface Session {
  username: string;
  /** A valid access token (refreshed when needed). */
  token: () => Promise<string>;
}

/** Sign-in for one mode: local dev sign-in, or Cognito through Amplify. */
export interface Authenticator {
  readonly kind: "local" | "cognito";
  /** Whether the password field is needed (local dev sign-in may not need one on loopback). */
  readonly passwordRequired: boolean;
  /** The session kept from an earlier visit, if still valid. */
  restore(): Promise<Session | null>;
  signIn(username: string, password: string): Promise<Session>;
  signOut(): Promise<void>;
}
