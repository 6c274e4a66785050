// Reads for screens: the API first, the last good answer kept on the phone when there is no network.
import { html, useState, useEffect } from './html.js';
import * as api from '../api.js';
import * as store from '../store.js';

function cacheKey(path) { const s = api.session(); return (s ? s.user_id : 0) + ':' + path; }

export async function load(path) {
  try {
    const data = await api.get(path);
    store.putCache(cacheKey(path), data).catch(() => {});
    return { data: data, offline: false };
  } catch (e) {
    if (e.transient) {
      const hit = await store.getCache(cacheKey(path));
      if (hit) return { data: hit.value, offline: true, savedAt: hit.savedAt, error: e };
    }
    throw e;
  }
}

// useLoad(path) → {data, error, offline, loading, reload}
export function useLoad(path) {
  const [state, setState] = useState({ loading: true });
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!path) { setState({ loading: false }); return undefined; }
    let alive = true;
    let fresh = false;
    setState((s) => Object.assign({}, s, { loading: true }));
    // the last answer kept on the phone shows at once (a weak link takes seconds), the network's replaces it
    store.getCache(cacheKey(path)).then((hit) => {
      if (alive && hit && !fresh) setState({ data: hit.value, loading: true, savedAt: hit.savedAt, stale: true });
    }, () => {});
    load(path).then((r) => { fresh = true; return r; }, (e) => { fresh = true; throw e; }).then((r) => alive && setState({ data: r.data, offline: r.offline, savedAt: r.savedAt, loading: false }),
      (e) => alive && setState({ error: api.explain(e), loading: false, status: e.status }));
    return () => { alive = false; };
  }, [path, n]);
  return Object.assign({}, state, { reload: () => setN(n + 1) });
}

export function OfflineNote({ state }) {
  if (!state.offline) return null;
  const t = new Date(state.savedAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
  return html`<div class="gp-offline" role="status">离线: 显示的是 ${t} 保存的数据</div>`;
}
