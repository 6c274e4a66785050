// What every console screen shares: paged reads, name look-ups by id, filters, tables, dialogs, downloads.
import { html, useState, useEffect, useRef } from '../ui/html.js';
import * as api from '../api.js';

// --- reads --------------------------------------------------------------------------------------------------
// query({a: 1, b: ''}) → '?a=1' (empty values dropped)
export function query(params) {
  const q = new URLSearchParams();
  Object.keys(params || {}).forEach((k) => {
    const v = params[k];
    if (v === undefined || v === null || v === '' || v === false) return;
    [].concat(v).forEach((x) => q.append(k, String(x)));
  });
  const s = q.toString();
  return s ? '?' + s : '';
}

// A page of a list endpoint with the total from X-Pagination (sent as a JSON string).
export async function getPage(path) {
  const r = await api.exchange('GET', path);
  let total = Array.isArray(r.data) ? r.data.length : 0;
  let pages = 1;
  const raw = r.headers.get('X-Pagination');
  if (raw) {
    try { const p = JSON.parse(raw); total = p.total; pages = p.total_pages || 1; } catch (e) { /* no paging info */ }
  }
  return { items: r.data || [], total: total, pages: pages };
}

// useFetch(path, fn=api.get) → {data, error, loading, reload}; a null path loads nothing.
export function useFetch(path, fn) {
  const [state, setState] = useState({ loading: !!path });
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!path) { setState({ loading: false }); return undefined; }
    let alive = true;
    setState((s) => Object.assign({}, s, { loading: true, error: null }));
    (fn || api.get)(path).then((data) => alive && setState({ data: data, loading: false }),
      (e) => alive && setState({ error: api.explain(e), status: e.status, loading: false }));
    return () => { alive = false; };
  }, [path, n]);
  return Object.assign({}, state, { reload: () => setN((x) => x + 1) });
}

// Names by id, each asked once per page load (users, areas, places, photos' facts).
const caches = {};
export function lookup(kind, id) {
  if (id === null || id === undefined) return Promise.resolve(null);
  const cache = caches[kind] || (caches[kind] = new Map());
  if (!cache.has(id)) {
    const p = api.get('/' + kind + '/' + encodeURIComponent(id)).catch(() => null);
    cache.set(id, p);
  }
  return cache.get(id);
}
export function forget(kind, id) { if (caches[kind]) caches[kind].delete(id); }

export function useLookup(kind, id) {
  const [v, setV] = useState(null);
  useEffect(() => {
    let alive = true;
    lookup(kind, id).then((x) => alive && setV(x));
    return () => { alive = false; };
  }, [kind, id]);
  return v;
}

export function Name({ kind, id, field }) {
  const v = useLookup(kind, id);
  if (id === null || id === undefined) return html`<span>—</span>`;
  return html`<span>${v ? v[field || 'name'] || v.display_name || v.name : '#' + id}</span>`;
}

// Areas of the actor's scope by level (for filter selects).
export function useAreas(level) {
  return useFetch('/areas' + query({ level: level, page_size: 100 }));
}

// --- formatting ---------------------------------------------------------------------------------------------
const SH = 'Asia/Shanghai';
export function fmtDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const p = new Intl.DateTimeFormat('zh-CN', { timeZone: SH, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).formatToParts(d);
  const g = (t) => (p.find((x) => x.type === t) || {}).value;
  return g('year') + '-' + g('month') + '-' + g('day') + ' ' + g('hour') + ':' + g('minute');
}
export function localDay(offsetDays) {
  const d = new Date(Date.now() + (offsetDays || 0) * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: SH, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}
export function lastMonth() {
  const t = localDay(0).split('-').map(Number);
  const y = t[1] === 1 ? t[0] - 1 : t[0];
  const m = t[1] === 1 ? 12 : t[1] - 1;
  return y + '-' + String(m).padStart(2, '0');
}
export function pct(x) { return x === null || x === undefined ? '—' : (Math.round(x * 1000) / 10) + '%'; }

// --- widgets ------------------------------------------------------------------------------------------------
export function Screen({ title, actions, children }) {
  useEffect(() => { document.title = title + ' · 网格巡查管理后台'; }, [title]);
  return html`<section class="gc-screen" aria-label=${title}>
    <header class="gc-screen-head"><h1>${title}</h1><div class="gc-actions">${actions}</div></header>
    ${children}
  </section>`;
}

export function Btn({ kind, onClick, disabled, children, title, small, type }) {
  const cls = 'gc-btn gc-btn-' + (kind || 'default') + (small ? ' gc-small' : '');
  return html`<button type=${type || 'button'} class=${cls} disabled=${disabled} title=${title} onClick=${onClick}>${children}</button>`;
}

export function Field({ label, children, wide }) {
  return html`<label class=${'gc-field' + (wide ? ' gc-wide' : '')}><span>${label}</span>${children}</label>`;
}

export function Select({ label, value, onChange, options, empty }) {
  return html`<${Field} label=${label}><select aria-label=${label} value=${value === undefined || value === null ? '' : String(value)} onChange=${(e) => onChange(e.target.value)}>
    ${empty !== false ? html`<option value="">${empty || '全部'}</option>` : null}
    ${options.map((o) => html`<option value=${String(o[0])}>${o[1]}</option>`)}
  </select></${Field}>`;
}

export function Input({ label, value, onInput, type, placeholder, wide, min, max }) {
  // a date field says its format (the browser shows 年/月/日 in a zh-CN browser, its own order elsewhere)
  const hint = type === 'date' ? '年-月-日, 如 2026-12-01 (北京时间)' : undefined;
  return html`<${Field} label=${label} wide=${wide}><input aria-label=${label} title=${hint} type=${type || 'text'} value=${value || ''} placeholder=${placeholder || ''} min=${min} max=${max}
    onInput=${(e) => onInput(e.target.value)} /></${Field}>`;
}

export function TextArea({ label, value, onInput, rows }) {
  return html`<${Field} label=${label} wide=${true}><textarea aria-label=${label} rows=${rows || 3} value=${value || ''} onInput=${(e) => onInput(e.target.value)}></textarea></${Field}>`;
}

export function Filters({ children }) { return html`<div class="gc-filters" role="search">${children}</div>`; }

export function Loading() { return html`<div class="gc-loading" role="status">正在加载…</div>`; }
export function Err({ error, onRetry }) {
  if (!error) return null;
  return html`<div class="gc-error" role="alert">${error} ${onRetry ? html`<${Btn} small=${true} onClick=${onRetry}>重试</${Btn}>` : null}</div>`;
}
export function Empty({ text }) { return html`<div class="gc-empty">${text || '没有记录'}</div>`; }

export function Chip({ tone, children, title }) {
  return html`<span class=${'gc-chip gc-' + (tone || 'grey')} title=${title}>${children}</span>`;
}

export function Pager({ page, pages, total, onPage }) {
  if (!pages || pages <= 1) return total !== undefined ? html`<div class="gc-pager">共 ${total} 条</div>` : null;
  return html`<nav class="gc-pager" aria-label="翻页">
    <${Btn} small=${true} disabled=${page <= 1} onClick=${() => onPage(page - 1)}>上一页</${Btn}>
    <span>第 ${page} / ${pages} 页, 共 ${total} 条</span>
    <${Btn} small=${true} disabled=${page >= pages} onClick=${() => onPage(page + 1)}>下一页</${Btn}>
  </nav>`;
}

// A modal dialog: Escape closes it, focus moves into it.
export function Modal({ title, onClose, children, wide }) {
  const box = useRef(null);
  useEffect(() => {
    const first = box.current && (box.current.querySelector('[data-autofocus]') ||
      box.current.querySelector('.gc-modal-body textarea, .gc-modal-body input, .gc-modal-body select, .gc-modal-body button') ||
      box.current);   // a dialog with nothing to fill in holds the focus itself: Enter never hits its × by accident
    if (first) first.focus();
    const key = (e) => { if (e.key === 'Escape') { e.stopPropagation(); onClose(); } };
    window.addEventListener('keydown', key, true);
    return () => window.removeEventListener('keydown', key, true);
  }, []);
  return html`<div class="gc-modal-mask" onClick=${(e) => { if (e.target === e.currentTarget) onClose(); }}>
    <div class=${'gc-modal' + (wide ? ' gc-modal-wide' : '')} role="dialog" aria-modal="true" aria-label=${title} ref=${box} tabindex="-1">
      <header><h2>${title}</h2><button type="button" class="gc-x" aria-label="关闭" onClick=${onClose}>×</button></header>
      <div class="gc-modal-body">${children}</div>
    </div>
  </div>`;
}

// --- documents: a signed link a browser opens without a Bearer header ---------------------------------------
// POST /links {path} signs exactly that document for me for a few minutes (server/auth/links.py).
export async function signedUrl(path) {
  const r = await api.post('/links', { path: '/api/v1' + path });
  return r.url;
}

// Open a document (printable order, poster) in a new tab through a signed link.
export async function openDocument(path) {
  const tab = window.open('', '_blank');
  try {
    const url = await signedUrl(path);
    if (tab) tab.location.href = url; else location.href = url;
  } catch (e) {
    if (tab) tab.close();
    throw e;
  }
}

// Download through a signed link: the browser's own download, with the server's file name.
export async function download(path) {
  const url = await signedUrl(path);
  const a = document.createElement('a');
  a.href = url;
  a.rel = 'noopener';
  a.download = '';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

// A long action the server may run as a background job (202 with the job, server/jobs): wait for it, telling
// onProgress what it is doing; its result when done, its error (thrown, in the API's shape) when failed.  An answer
// that is not a job is returned as it is.
export async function untilDone(out, onProgress) {
  const isJob = (x) => x && typeof x === 'object' && x.state !== undefined && x.kind !== undefined && x.progress !== undefined;
  if (!isJob(out)) return out;
  let job = out;
  try {
    for (let n = 0; job.state !== 'done' && job.state !== 'failed'; n++) {
      if (onProgress) onProgress(job);
      await new Promise((ok) => setTimeout(ok, n < 5 ? 500 : 1000));
      job = await api.get('/jobs/' + job.id);
    }
  } finally {
    if (onProgress) onProgress(null);
  }
  if (job.state === 'failed') {
    const e = job.error || {};
    throw new api.ApiError(e.status || 409, e.code || 'job_failed', e.message || (job.label || '后台任务') + '失败', e.detail);
  }
  return job.result;
}

export function JobProgress({ job }) {
  if (!job) return null;
  return html`<p class="gc-job" role="status">${job.label || '后台任务'}: ${job.state === 'queued' ? '排队中' : job.message || '进行中'} (${job.progress || 0}%)
    <progress max="100" value=${job.progress || 0}></progress></p>`;
}

export function useBusy() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function run(fn) {
    setBusy(true); setError(null);
    try { return await fn(); } catch (e) { setError(api.explain(e)); return undefined; } finally { setBusy(false); }
  }
  return { busy: busy, error: error, run: run, setError: setError };
}

export const ROLE_LABELS = { county_admin: '县级管理员', township_admin: '乡镇管理员', inspector: '执法人员', member: '网格员' };
