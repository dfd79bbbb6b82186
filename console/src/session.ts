// The signed-in session: an org id and an API token, held in sessionStorage so that it lasts as
// long as the tab and no longer (closing the tab signs out; other tabs never see it).
const KEY = 'tally.console.session';

export interface Session {
  org: string;
  token: string;
}

export function loadSession(): Session | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return value && typeof value.org === 'string' && typeof value.token === 'string' ? value : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
