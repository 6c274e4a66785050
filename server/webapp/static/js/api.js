// The API client: fetch with a timeout on every request, tokens kept on the phone and refreshed once when they
// expire, and one error shape {status, code, message, detail} whatever went wrong (server, network or timeout).

const BASE = '/api/v1';
const TOKENS_KEY = 'gridpatrol.tokens';
export const DEFAULT_TIMEOUT_MS = 20000;

export class ApiError extends Error {
  constructor(status, code, message, detail) {
    super(message);
    this.status = status;   // 0: no answer (offline, timeout, connection cut)
    this.code = code;
    this.detail = detail || {};
  }
  // A retry may succeed later: no answer, the server busy or down, a request timeout or a rate limit.
  get transient() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

const listeners = { success: new Set(), authRequired: new Set(), tokens: new Set() };
export function on(event, fn) { listeners[event].add(fn); return () => listeners[event].delete(fn); }
function emit(event, arg) { listeners[event].forEach((fn) => { try { fn(arg); } catch (e) { console.error(e); } }); }

// --- tokens -------------------------------------------------------------------------------------------------
// Kept in localStorage with the account they belong to: the outbox never sends one member's items as another.
export function session() {
  try { return JSON.parse(localStorage.getItem(TOKENS_KEY) || 'null'); } catch (e) { return null; }
}
function saveSession(value) {
  if (value) localStorage.setItem(TOKENS_KEY, JSON.stringify(value));
  else localStorage.removeItem(TOKENS_KEY);
  emit('tokens', value);
}
export function setUser(user) {
  const s = session();
  if (s) saveSession(Object.assign({}, s, { user: user }));
}
export function clearSession() { saveSession(null); }

// --- requests -----------------------------------------------------------------------------------------------
function timeoutMessage(ms) { return '网络太慢, ' + Math.round(ms / 1000) + ' 秒内没有回应, 请稍后重试'; }
const OFFLINE_MESSAGE = '网络不通, 请检查手机网络后重试';

async function rawFetch(method, path, opts) {
  const timeout = opts.timeout || DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  const headers = Object.assign({ Accept: 'application/json' }, opts.headers || {});
  let body = opts.body;
  if (opts.json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(opts.json); }
  if (opts.token) headers.Authorization = 'Bearer ' + opts.token;
  let resp;
  try {
    resp = await fetch(path.startsWith('/') && !path.startsWith(BASE) && !opts.absolute ? BASE + path : path,
      { method: method, headers: headers, body: body, signal: controller.signal, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    clearTimeout(timer);
    if (controller.signal.aborted) throw new ApiError(0, 'timeout', timeoutMessage(timeout));
    throw new ApiError(0, 'network', OFFLINE_MESSAGE);
  }
  let data = null;
  try {
    const text = await resp.text();
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    clearTimeout(timer);
    if (controller.signal.aborted) throw new ApiError(0, 'timeout', timeoutMessage(timeout));
    if (resp.ok) throw new ApiError(0, 'network', OFFLINE_MESSAGE);
    data = null;
  }
  clearTimeout(timer);
  if (!resp.ok) {
    const err = data && data.code ? data : { code: 'http_' + resp.status, message: '服务器出错 (' + resp.status + '), 请稍后重试' };
    throw new ApiError(resp.status, err.code, err.message, err.detail);
  }
  return { status: resp.status, data: data, headers: resp.headers };
}

let refreshing = null;
async function refreshTokens(s) {
  // one refresh at a time: two concurrent ones would replay the same refresh token, which revokes the login
  if (!refreshing) {
    refreshing = rawFetch('POST', '/auth/refresh', { json: { refresh_token: s.refresh_token } })
      .then((r) => {
        const cur = session();
        if (cur && cur.user_id === s.user_id) {
          saveSession(Object.assign({}, cur, { access_token: r.data.access_token, refresh_token: r.data.refresh_token }));
        }
        return true;
      }, (e) => {
        if (e.status === 401 || e.status === 403) {
          const cur = session();
          if (cur) saveSession(Object.assign({}, cur, { access_token: null, refresh_token: null, expired: true }));
          emit('authRequired', e);
        }
        throw e;
      })
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

// request(method, path, {json, body, headers, timeout, auth=true, asUser}) → data; throws ApiError.
// asUser: the outbox names the account an item belongs to; the request is refused if another one is logged in.
export async function request(method, path, opts) {
  return (await exchange(method, path, opts)).data;
}

// exchange(…) → {status, data, headers}: for the few callers that read headers (resumable uploads).
export async function exchange(method, path, opts) {
  opts = opts || {};
  const auth = opts.auth !== false;
  for (let attempt = 0; ; attempt++) {
    const s = session();
    if (auth && (!s || !s.access_token)) {
      if (s && s.refresh_token && attempt === 0) { await refreshTokens(s); continue; }
      throw new ApiError(401, 'login_required', '请先登录');
    }
    if (auth && opts.asUser !== undefined && s.user_id !== opts.asUser) {
      throw new ApiError(401, 'other_account', '这条记录属于另一个账号, 请用该账号登录后发送');
    }
    try {
      const r = await rawFetch(method, path, Object.assign({}, opts, { token: auth ? s.access_token : null }));
      emit('success', path);
      return r;
    } catch (e) {
      if (auth && e.status === 401 && attempt === 0 && s.refresh_token) {
        await refreshTokens(s);
        continue;
      }
      if (auth && e.status === 401) emit('authRequired', e);
      throw e;
    }
  }
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, json, opts) => request('POST', path, Object.assign({ json: json }, opts || {}));

// --- accounts -----------------------------------------------------------------------------------------------
export async function login(username, password) {
  const r = await rawFetch('POST', '/auth/login', { json: { username: username, password: password } });
  const pair = r.data;
  const me = await rawFetch('GET', '/me', { token: pair.access_token });
  saveSession({ access_token: pair.access_token, refresh_token: pair.refresh_token, user_id: me.data.id, user: me.data });
  emit('success', '/auth/login');
  return me.data;
}

// The mini-program's web-view hands over a one-time ticket in the URL fragment; tokens never travel in a URL.
export async function exchangeTicket(ticket) {
  const r = await rawFetch('POST', '/auth/ticket', { json: { ticket: ticket } });
  const pair = r.data;
  const me = await rawFetch('GET', '/me', { token: pair.access_token });
  saveSession({ access_token: pair.access_token, refresh_token: pair.refresh_token, user_id: me.data.id, user: me.data });
  return me.data;
}

export async function logout() {
  const s = session();
  if (s && s.refresh_token) {
    try { await rawFetch('POST', '/auth/logout', { json: { refresh_token: s.refresh_token }, token: s.access_token, timeout: 5000 }); } catch (e) { /* the tokens are dropped here anyway */ }
  }
  clearSession();
  if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage('logout');
}

// Field names the server's validation errors name, as the member knows them.
const FIELD_LABELS = {
  people_reached: '宣传人数', materials: '宣传材料', location: '位置', photo_ids: '照片', place_id: '场所',
  device_time: '手机时间', notes: '备注', note: '备注', answers: '检查项', statement: '整改说明', deadline: '整改期限',
  description: '问题描述', category: '类别', phone: '手机号', name: '姓名', address: '地址', date: '日期',
};
function fieldLabel(key) {
  const parts = String(key).split('.');
  return parts.map((p) => FIELD_LABELS[p] || p).join(' ');
}

// Chinese text for an error caught anywhere: the server's message, or ours for the network.
export function explain(e) {
  if (e instanceof ApiError) {
    if (e.code === 'account_locked' && e.detail && e.detail.locked_until) {
      // the minutes left by this phone's clock, in place of the server's full lockout time
      const mins = Math.max(1, Math.ceil((Date.parse(e.detail.locked_until) - Date.now()) / 60000));
      return e.message.replace(/[,，]?\s*请\s*\d+\s*分钟后再试\s*$/, '') + ', 请 ' + mins + ' 分钟后再试';
    }
    const fields = e.detail && e.detail.fields;
    if (fields && typeof fields === 'object') {
      const parts = Object.keys(fields).map((k) => fieldLabel(k) + ': ' + [].concat(fields[k]).map((x) => typeof x === 'string' ? x : JSON.stringify(x)).join(' '));
      if (parts.length) return e.message + ' (' + parts.join('; ') + ')';
    }
    return e.message;
  }
  return String(e && e.message || e);
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
}
