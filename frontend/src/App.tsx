import { useCallback, useEffect, useState, type ReactNode } from "react";
import { makeAuthenticator, type Authenticator, type Session } from "./auth";
import { loadConfig, type AppConfig } from "./config";
import { SignIn } from "./SignIn";
import { Workspace } from "./Workspace";

type Boot =
  | { phase: "loading" }
  | { phase: "failed"; error: string }
  | { phase: "ready"; config: AppConfig; auth: Authenticator; session: Session | null };

export function App(): ReactNode {
  const [boot, setBoot] = useState<Boot>({ phase: "loading" });

  useEffect(() => {
    (async () => {
      const config = await loadConfig();
      const auth = await makeAuthenticator(config);
      setBoot({ phase: "ready", config, auth, session: await auth.restore() });
    })().catch((err: unknown) =>
      setBoot({ phase: "failed", error: err instanceof Error ? err.message : "The app could not start." }),
    );
  }, []);

  const signOut = useCallback(() => {
    setBoot((b) => {
      if (b.phase !== "ready") return b;
      void b.auth.signOut();
      return { ...b, session: null };
    });
  }, []);

  if (boot.phase === "loading") return <p className="boot muted">Loading…</p>;
  if (boot.phase === "failed")
    return (
      <p className="boot error-text" role="alert">
        {boot.error}
      </p>
    );
  if (!boot.session) return <SignIn auth={boot.auth} onSignedIn={(session) => setBoot({ ...boot, session })} />;
  return <Workspace config={boot.config} session={boot.session} onSignOut={signOut} />;
}
