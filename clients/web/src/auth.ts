// Credentials for a server that requires them (Auth:ApiKeys / Auth:Jwt): an API key or a JWT, kept in this browser's
// localStorage. A server without authentication (localhost only) needs none. SignalR sends it as the access_token
// query parameter on the WebSocket and as a bearer header elsewhere; fetches send it as a bearer header.

const KEY = 'voiceemotion.accessKey';

export function accessKey(): string {
  return localStorage.getItem(KEY) ?? '';
}

export function setAccessKey(value: string): void {
  if (value) localStorage.setItem(KEY, value);
  else localStorage.removeItem(KEY);
}

/** fetch with the access key as a bearer credential (when one is set). */
export function authFetch(input: string, init: RequestInit = {}): Promise<Response> {
  const key = accessKey();
  if (!key) return fetch(input, init);
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${key}`);
  return fetch(input, { ...init, headers });
}

/** Wires the page's access-key field: shows the stored key's presence, stores a new one and reloads. */
export function bindAccessKeyField(form: HTMLFormElement | null): void {
  if (!form) return;
  const input = form.querySelector('input') as HTMLInputElement;
  input.placeholder = accessKey() ? 'stored (empty clears)' : 'API key or token';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setAccessKey(input.value.trim());
    location.reload();
  });
}

export const NEEDS_KEY = 'this server needs an access key: enter it under "Access key" above';

/** The message for a failed connection: an access-key hint when the server refused the credentials. */
export function connectionProblem(error: string): string {
  return /401|Unauthorized/i.test(error) ? NEEDS_KEY : /403|Forbidden/i.test(error) ? 'your access key does not allow this page' : `Cannot reach the server: ${error}`;
}

/** A message for an HTTP refusal, or null when the response is not one. */
export function refusal(status: number): string | null {
  if (status === 401) return NEEDS_KEY;
  if (status === 403) return 'your access key does not allow this';
  return null;
}
