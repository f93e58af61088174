/** The page's only way out: the console back end's JSON API, with the session's CSRF token. */
const BASE = '/_gatehouse/console/api/';
let csrf = '';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function post(name: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(BASE + name, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body), credentials: 'same-origin' });
  const out = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new ApiError(String(out.code ?? res.status), String(out.message ?? `HTTP ${res.status}`));
  return out;
}

export async function currentSession(): Promise<string | undefined> {
  const res = await fetch(BASE + 'session', { credentials: 'same-origin' });
  if (!res.ok) return undefined;
  const out = (await res.json()) as { arn: string; csrf: string };
  csrf = out.csrf;
  return out.arn;
}

export async function signIn(accessKeyId: string, secretAccessKey: string): Promise<string> {
  const out = await post('session', { accessKeyId, secretAccessKey });
  csrf = String(out.csrf);
  return String(out.arn);
}

export async function signOut(): Promise<void> {
  await post('signout', {});
  csrf = '';
}

/** One public API call, e.g. call('cognito-idp', 'ListUserPools', { MaxResults: 60 }). */
export function call<T = Record<string, unknown>>(service: string, operation: string, input: Record<string, unknown> = {}): Promise<T> {
  return post('call', { service, operation, input }) as Promise<T>;
}
