import { Amplify } from "aws-amplify";
import { fetchAuthSession, getCurrentUser, signIn, signOut } from "aws-amplify/auth";
import { ApiError } from "../api/errors";
import type { AuthConfig } from "../config";
import type { Authenticator, Session } from "./types";

type CognitoConfig = Extract<AuthConfig, { type: "cognito" }>;

/**
 * Cognito sign-in through Amplify Auth. The API takes the *access* token (token_use=access);
 * Amplify refreshes it with the refresh token when it nears expiry.
 */
export class CognitoAuthenticator implements Authenticator {
  readonly kind = "cognito" as const;
  readonly passwordRequired = true;

  private readonly authFlow: NonNullable<CognitoConfig["authFlow"]>;

  constructor(config: CognitoConfig) {
    this.authFlow = config.authFlow ?? "USER_SRP_AUTH";
    Amplify.configure({
      Auth: {
        Cognito: {
          userPoolId: config.userPoolId,
          userPoolClientId: config.userPoolClientId,
          // Only set for tests against a local Cognito emulator; production uses the regional endpoint.
          ...(config.endpoint ? { userPoolEndpoint: config.endpoint } : {}),
          loginWith: { username: true, email: true },
        },
      },
    });
  }

  async restore(): Promise<Session | null> {
    try {
      const user = await getCurrentUser();
      return this.session(user.username);
    } catch {
      return null;
    }
  }

  async signIn(username: string, password: string): Promise<Session> {
    // SRP (default) keeps the password off the wire; the app client must allow that flow.
    const result = await signIn({ username, password, options: { authFlowType: this.authFlow } }).catch(
      (err: unknown) => {
        throw new ApiError(401, "unauthorized", err instanceof Error ? err.message : "Sign-in failed.");
      },
    );
    if (!result.isSignedIn) {
      const step = result.nextStep.signInStep;
      throw new ApiError(401, "unauthorized", `Sign-in needs a step this app does not support yet (${step}).`);
    }
    const user = await getCurrentUser();
    return this.session(user.username);
  }

  async signOut(): Promise<void> {
    await signOut();
  }

  private session(username: string): Session {
    return {
      username,
      token: async () => {
        const { tokens } = await fetchAuthSession();
        const token = tokens?.accessToken?.toString();
        if (!token) throw new ApiError(401, "unauthorized", "Your session has expired. Sign in again.");
        return token;
      },
    };
  }
}
