import type { AppConfig } from "../config";
import { LocalAuthenticator } from "./local";
import type { Authenticator } from "./types";

/** The authenticator the configuration asks for (Amplify is loaded only in Cognito mode). */
export async function makeAuthenticator(config: AppConfig): Promise<Authenticator> {
  if (config.auth.type === "local") return new LocalAuthenticator(config.apiUrl);
  const { CognitoAuthenticator } = await import("./cognito");
  return new CognitoAuthenticator(config.auth);
}

export type { Authenticator, Session } from "./types";
