// The REST API under /api/v1 with the signed-in operator's credentials. Every failure becomes an
// ApiError whose message is the API's problem+json "detail", so pages can show it as it is.

const CREDENTIALS_KEY = 'bridge-console-credentials';

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

let credentials = JSON.parse(sessionStorage.getItem(CREDENTIALS_KEY) || 'null');
let onUnauthorized = () => {};

export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

export function hasCredentials() {
  return credentials !== null;
}

/** A bearer token, or a user name and password for basic auth. Kept for this browser tab only. */
export function signIn(next) {
  credentials = next;
  sessionStorage.setItem(CREDENTIALS_KEY, JSON.stringify(next));
}

export function signOut() {
  credentials = null;
  sessionStorage.removeItem(CREDENTIALS_KEY);
}

function authorization() {
  if (!credentials) return undefined;
  if (credentials.token) return `Bearer ${credentials.token}`;
  const bytes = new TextEncoder().encode(`${credentials.user}:${credentials.password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/**
 * An id as one path segment of the API: percent-encoded, and the ids `.` and `..` with their dots
 * encoded too, which fetch would otherwise resolve as the current and the parent path.
 */
export function segment(id) {
  const encoded = encodeURIComponent(id);
  return encoded === '.' || encoded === '..' ? encoded.replaceAll('.', '%2E') : encoded;
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  const auth = authorization();
  if (auth) headers.Authorization = auth;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, `The bridge did not answer (${e.message}). Is it running?`);
  }
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  const payload = type.includes('json') ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    if (response.status === 401) onUnauthorized();
    const detail = (payload && (payload.detail || payload.title)) || `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, detail);
  }
  return payload;
}
