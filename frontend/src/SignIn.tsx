import { useState, type FormEvent, type ReactNode } from "react";
import type { Authenticator, Session } from "./auth";

interface Props {
  auth: Authenticator;
  onSignedIn: (session: Session) => void;
}

export function SignIn({ auth, onSignedIn }: Props): ReactNode {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await auth.signIn(username.trim(), password));
    } catch (err) {
      setError(err instanceof Error ? err.message : "Sign-in failed.");
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in</h1>
        <p className="muted">
          {auth.kind === "local"
            ? "Local mode: sign in with your user name (a password only if the server requires one)."
            : "Sign in with your account."}
        </p>
        <label htmlFor="username">User name</label>
        <input id="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        <label htmlFor="password">
          Password{!auth.passwordRequired && <span className="muted"> (optional)</span>}
        </label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required={auth.passwordRequired}
        />
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || !username.trim()}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
