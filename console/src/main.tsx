// The console's shell: sign-in, navigation, sign-out, and the page the URL names.
import { render } from 'preact';
import { useState } from 'preact/hooks';
import './styles.css';
import { clearInsightsCache } from './insights.js';
import { Explorer } from './pages/explorer.js';
import { Overview } from './pages/overview.js';
import { SignIn } from './pages/sign-in.js';
import { WorkspacePage } from './pages/workspace.js';
import { href, navigate, useRoute } from './router.js';
import { clearSession, loadSession, type Session } from './session.js';

function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const route = useRoute();
  if (!session) return <SignIn onSignedIn={setSession} />;
  const signOut = () => {
    clearSession();
    clearInsightsCache();
    setSession(null);
    navigate(href([]));
  };
  const page = route.path[0] ?? '';
  const current = (name: string) => (page === name ? 'page' : undefined);
  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top-bar">
        <span class="brand">Tally</span>
        <nav aria-label="Pages">
          <a href={href([])} aria-current={current('')}>
            Overview
          </a>
          <a href={href(['explorer'])} aria-current={current('explorer')}>
            Explorer
          </a>
          {page === 'workspaces' && route.path[1] && (
            <a href={window.location.hash} aria-current="page">
              Workspace {route.path[1]}
            </a>
          )}
        </nav>
        <span class="who">
          <span class="note">org</span> <strong data-org>{session.org}</strong>
        </span>
        <button type="button" class="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page === '' && <Overview session={session} route={route} />}
        {page === 'workspaces' && route.path[1] && (
          <WorkspacePage session={session} route={route} key={route.path[1]} />
        )}
        {page === 'explorer' && <Explorer session={session} route={route} />}
        {!['', 'workspaces', 'explorer'].includes(page) && (
          <p class="error" role="alert">
            No such page. <a href={href([])}>Back to the overview</a>
          </p>
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
