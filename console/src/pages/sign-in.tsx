// Sign in: an org id and an API token with `read`. The token is checked against an org-wide read
// before it is kept; a refusal shows the surface's own message.
import { useState } from 'preact/hooks';
import { ApiError, apiGet, enc } from '../api.js';
import { type Session, saveSession } from '../session.js';

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [org, setOrg] = useState('');
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const session = { org: org.trim(), token: token.trim() };
    setBusy(true);
    setProblem(null);
    try {
      await apiGet(session, `/v1/orgs/${enc(session.org)}/activity/summary`, { hours: 1 });
      saveSession(session);
      onSignedIn(session);
    } catch (error) {
      setProblem(error instanceof ApiError ? `${error.message} (${error.status})` : String(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in" id="main">
      <form onSubmit={submit} aria-labelledby="sign-in-title" aria-describedby="sign-in-help">
        <h1 id="sign-in-title">Tally console</h1>
        <p id="sign-in-help" class="note">
          Sign in with an API token that has the <code>read</code> ability. It is kept for this tab only, and
          sent to this server alone. <code>npx tally demo</code> prints one.
        </p>
        <label>
          Org id
          <input
            name="org"
            value={org}
            onInput={(e) => setOrg(e.currentTarget.value)}
            required
            autoComplete="off"
          />
        </label>
        <label>
          API token
          <input
            name="token"
            type="password"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            required
            autoComplete="off"
            spellcheck={false}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {problem && (
          <p class="error" role="alert" data-refusal>
            {problem}
          </p>
        )}
      </form>
    </main>
  );
}
