// The HTTP API client. The session token lives in sessionStorage: it survives a reload of this
// tab, is not shared with other tabs, and is gone when the tab closes. It is only ever sent in
// the Authorization header, never in a URL.

const KEY = 'openpincery.session';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let onUnauthorized = () => {};

export const session = {
  get token() {
    return sessionStorage.getItem(KEY);
  },
  set(token) {
    sessionStorage.setItem(KEY, token);
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
  onUnauthorized(fn) {
    onUnauthorized = fn;
  },
  /** The server said the session is over (an event stream got 401). */
  ended(err) {
    onUnauthorized(err);
  },
};

/**
 * Calls the API. Resolves to the parsed JSON body (null for 204; a Blob with opts.raw); rejects with an ApiError that
 * carries the server's {error: {code, message}}, or code 'unreachable' when there was no answer.
 */
export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  const token = opts.token !== undefined ? opts.token : session.token;
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
      signal: opts.signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'unreachable', 'the server cannot be reached; is it running? ' +
      'The page retries when you act again.');
  }
  if (res.status === 204) return null;
  if (res.ok && opts.raw) return res.blob();
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = data && data.error;
    const apiErr = new ApiError(
      res.status,
      (err && err.code) || 'http_' + res.status,
      (err && err.message) || `${res.status} ${res.statusText || 'error'}`);
    if (res.status === 401 && token && !opts.noAuthRedirect) onUnauthorized(apiErr);
    throw apiErr;
  }
  return data;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body === undefined ? {} : body, opts);

/** A fresh Idempotency-Key: a retry with the same key is answered once, not applied twice. */
function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Not a secure context (plain http to another host): the same 122 bits by hand.
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * Keys for one form's creates: sending the same request again (after a failure: the answer was
 * lost, the server was away) keeps its key, so it is applied once and the first answer comes back;
 * a different request gets a new key. Call done() after a success.
 */
export function retryKeys() {
  let key = null;
  let sent = null;
  return {
    for(body) {
      const encoded = JSON.stringify(body);
      if (encoded !== sent) {
        key = newIdempotencyKey();
        sent = encoded;
      }
      return { headers: { 'Idempotency-Key': key } };
    },
    done() {
      sent = null;
    },
  };
}
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

export function agentPath(id, rest = '') {
  return '/api/agents/' + encodeURIComponent(id) + rest;
}
