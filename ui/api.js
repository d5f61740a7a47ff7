// The admin API as the console calls it: the token the user gave (kept for this browser tab only) is
// sent on every request, reads included, and every refusal becomes a sentence a person can act on.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

const TOKEN_KEY = 'meshguard.adminToken';

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token lives as long as the page.
  }
  window.dispatchEvent(new Event('meshguard-token'));
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function explain(status, serverMessage, method) {
  const write = method !== 'GET';
  if (status === 401)
    return write
      ? `Refused: this action needs the admin token. Enter it under "Admin token" at the top of the page. (${serverMessage})`
      : `Refused: this meshguard requires the admin token to read. Enter it under "Admin token" at the top of the page. (${serverMessage})`;
  if (status === 403) return `Refused: ${serverMessage}. The console is read-only on this meshguard.`;
  return serverMessage || `HTTP ${status}`;
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, `meshguard did not answer (${error.message}). Is the service running?`);
  }
  const text = await res.text();
  let data = text;
  try {
    data = JSON.parse(text);
  } catch {
    // Not JSON (/metrics): the text itself.
  }
  if (!res.ok) {
    const message = data && typeof data === 'object' && data.message ? data.message : text;
    throw new ApiError(res.status, explain(res.status, message, method));
  }
  return data;
}

/** Reads `path` now and every `everyMs` (0 = once); re-reads when the token changes. */
export function usePoll(path, everyMs) {
  const [state, setState] = useState({ data: undefined, error: undefined, loading: true });
  const current = useRef(path);
  current.current = path;
  const load = useCallback(async () => {
    if (!path) return;
    try {
      const data = await api(path);
      if (current.current === path) setState({ data, error: undefined, loading: false });
    } catch (error) {
      if (current.current === path) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, [path]);
  useEffect(() => {
    setState({ data: undefined, error: undefined, loading: true });
    void load();
    const timer = everyMs ? setInterval(load, everyMs) : undefined;
    window.addEventListener('meshguard-token', load);
    return () => {
      if (timer) clearInterval(timer);
      window.removeEventListener('meshguard-token', load);
    };
  }, [load, everyMs]);
  return { ...state, reload: load };
}
