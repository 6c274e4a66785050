// 照片审核: the township's review queue.  Flagged records first; cards with the member, grid, place, times, every
// photo and the flags; a large viewer with EXIF facts and a mini-map; approve, reject with a reason, bulk approve of
// the unflagged ones the filters show.  Keys j/k a r Enter ? act on the focused card, never inside inputs.
import { html, useState, useEffect, useMemo, useRef } from '../ui/html.js';
import * as api from '../api.js';
import {
  Screen, Btn, Select, Input, Filters, Loading, Err, Empty, Chip, Pager, Modal, lookup, useFetch, query,
  fmtDateTime, useBusy,
} from './common.js';
import { MiniMap, metres, fmtMetres } from './minimap.js';

export const KIND_LABELS = { checkin: '打卡', visit: '巡查', publicity: '宣传', rectification: '整改' };
export const PRESET_REASONS = ['照片模糊', '非现场拍摄', '与隐患不符', '重复使用照片', '时间不符'];
const PAGE = 20;

// The record flags' Chinese explanations (the photo flags' own messages come with each photo).
export const FLAG_LABELS = {
  out_of_area: '打卡位置不在网格内',
  low_accuracy: '定位精度低',
  no_location: '未获取到定位',
  far_from_place: '巡查位置距场所过远',
  device_time_implausible: '手机时间不可信, 按服务器收到时间计',
  photo_reused: '该照片已用于另一条记录',
  photo_duplicate_sha256: '同一张照片(字节完全相同)已上传用于其他记录',
  photo_near_duplicate: '与该网格员近期上传的另一张照片高度相似',
  photo_exif_time_far: '照片拍摄时间与声明时间相差过大',
  photo_exif_gps_far: '照片 GPS 位置与声明位置相距过远',
  photo_exif_gps_far_from_place: '照片 GPS 位置与场所位置相距过远',
  photo_no_camera_exif: '照片没有相机信息 (可能是截图或转发的图片)',
};
export function flagText(f) {
  if (f && typeof f === 'object') return f.message || FLAG_LABELS[f.code] || f.code;
  return FLAG_LABELS[f] || f;
}

// Every page of a list, for look-ups that must be complete (grids of a county, members of a township).
export async function getAll(path) {
  const out = [];
  for (let page = 1; page < 100; page++) {
    const r = await api.exchange('GET', path + (path.indexOf('?') >= 0 ? '&' : '?') + 'page_size=100&page=' + page);
    out.push.apply(out, r.data || []);
    let pages = 1;
    try { pages = JSON.parse(r.headers.get('X-Pagination') || '{}').total_pages || 1; } catch (e) { pages = 1; }
    if (page >= pages) break;
  }
  return out;
}

const DETAIL = { checkin: '/checkins/', visit: '/visits/', publicity: '/publicity/' };

// The hazard a rectification belongs to: the queue names it (hazard_id) or we find the order among rectified ones.
let rectifiedIndex = null;
async function hazardOfOrder(orderId) {
  if (!rectifiedIndex) {
    rectifiedIndex = getAll('/hazards?status=rectified').then(async (list) => {
      const map = new Map();
      await Promise.all(list.map(async (h) => {
        const d = await lookup('hazards', h.id);
        (d && d.orders || []).forEach((o) => map.set(o.id, h.id));
      }));
      return map;
    });
  }
  return (await rectifiedIndex).get(orderId);
}

// Everything a card shows, from the queue item and (while the queue lacks them) the record itself.
// A clock-in's own record is read only when the viewer opens (its card needs nothing more than the queue gives).
async function enrich(item, known) {
  const out = { user: item.user || known.users.get(item.user_id) || null, grid: item.grid || known.grids.get(item.area_id) || null,
    place: item.place || null, photos: [], before: [] };
  const jobs = [];
  if (!out.user) jobs.push(lookup('users', item.user_id).then((u) => { out.user = u; }));
  if (!out.grid) jobs.push(lookup('areas', item.area_id).then((a) => { out.grid = a; }));
  if (item.type === 'rectification') {
    jobs.push((async () => {
      const hid = item.hazard_id || await hazardOfOrder(item.id);
      const h = hid ? await lookup('hazards', hid) : null;
      out.hazard = h;
      if (h) {
        out.place = out.place || h.place;
        out.before = item.before_photo_ids || h.photo_ids || [];
        out.statement = h.rectification_statement;
        out.location = h.location;
      }
    })());
  } else if (item.type !== 'checkin') {
    jobs.push(lookup(DETAIL[item.type].slice(1, -1), item.id).then((d) => {
      out.detail = d;
      if (d) {
        out.location = d.location;
        if (!out.place && d.place_id) out.place = { id: d.place_id, name: d.place_name };
        (d.answers || []).forEach((a) => (a.photo_ids || []).forEach((p) => out.photos.push({ id: p, item: a.item_id })));
      }
    }));
  }
  await Promise.all(jobs);
  const seen = new Set(out.photos.map((p) => p.id));
  out.photos = (item.photo_ids || []).filter((p) => !seen.has(p)).map((p) => ({ id: p })).concat(out.photos);
  if (item.answer_photos) {
    item.answer_photos.forEach((a) => (a.photo_ids || []).forEach((p) => { if (!out.photos.some((x) => x.id === p)) out.photos.push({ id: p, item: a.item_id }); }));
  }
  return out;
}

function Thumb({ id, label, onOpen, big }) {
  const [p, setP] = useState(null);
  useEffect(() => { let alive = true; lookup('photos', id).then((x) => alive && setP(x)); return () => { alive = false; }; }, [id]);
  const flagged = p && p.flags && p.flags.length;
  return html`<button type="button" class=${'gc-thumb' + (big ? ' gc-thumb-big' : '') + (flagged ? ' gc-thumb-flagged' : '')} onClick=${onOpen} tabindex="-1"
    title=${label || '照片'} aria-label=${'查看' + (label || '照片')}>
    ${p ? html`<img src=${big ? p.display_url : p.thumbnail_url} alt=${label || '照片'} loading="lazy" />` : html`<span>…</span>`}
    ${label ? html`<small>${label}</small>` : null}
  </button>`;
}

function Card({ item, info, focused, decided, onFocus, onOpen, onApprove, onReject, cardRef }) {
  const flags = item.flags || [];
  const when = item.occurred_at;
  return html`<article ref=${cardRef} tabindex="0" class=${'gc-card' + (focused ? ' gc-focus' : '') + (flags.length ? ' gc-card-flagged' : '')}
      data-record=${item.type + ':' + item.id} aria-label=${KIND_LABELS[item.type] + ' ' + (info && info.user ? info.user.display_name : '')}
      onFocus=${onFocus} onClick=${onFocus}>
    <header>
      <${Chip} tone=${item.type === 'rectification' ? 'blue' : 'green'}>${KIND_LABELS[item.type] || item.type}</${Chip}>
      <strong class="gc-who-name">${info && info.user ? info.user.display_name : '…'}</strong>
      <span class="gc-muted">${info && info.grid ? info.grid.name : ''}${info && info.place ? ' · ' + info.place.name : ''}</span>
      <span class="gc-time">${fmtDateTime(when)}</span>
    </header>
    ${flags.length ? html`<div class="gc-flags">${flags.map((f) => html`<${Chip} tone="red" title=${typeof f === 'string' ? f : f.code}>${flagText(f)}</${Chip}>`)}</div>` : null}
    ${info && info.hazard ? html`<p class="gc-line">隐患: ${info.hazard.description}${info.statement ? html` <span class="gc-muted">整改说明: ${info.statement}</span>` : null}</p>` : null}
    ${info && info.detail && info.detail.received_at && Math.abs(Date.parse(info.detail.received_at) - Date.parse(when)) > 3600000
      ? html`<p class="gc-line gc-muted">服务器收到: ${fmtDateTime(info.detail.received_at)}</p>` : null}
    <div class="gc-thumbs">
      ${info ? info.photos.map((p, i) => html`<${Thumb} key=${p.id} id=${p.id} label=${p.item ? '检查项 ' + p.item : (info.before.length ? '整改后' : '')} onOpen=${() => onOpen(i)} />`) : html`<span class="gc-muted">正在加载照片…</span>`}
      ${info && !info.photos.length ? html`<span class="gc-warn">没有照片</span>` : null}
    </div>
    <footer>
      ${decided ? html`<${Decision} d=${decided} />` : html`
        <${Btn} kind="primary" small=${true} onClick=${onApprove}>通过 (a)</${Btn}>
        <${Btn} kind="warn" small=${true} onClick=${onReject}>驳回 (r)</${Btn}>
        <${Btn} small=${true} onClick=${() => onOpen(0)}>放大 (Enter)</${Btn}>`}
    </footer>
  </article>`;
}

export function Decision({ d }) {
  return html`<p class=${'gc-decision gc-decision-' + d.status} role="status">
    ${d.status === 'approved' ? '已通过' : '已驳回'} · ${d.by} · ${fmtDateTime(d.at)}${d.reason ? html` · 原因: <q>${d.reason}</q>` : null}
  </p>`;
}

function PhotoFacts({ p }) {
  if (!p) return html`<p class="gc-muted">正在读取照片信息…</p>`;
  return html`<dl class="gc-facts">
    <dt>拍摄时间 (EXIF)</dt><dd>${p.exif_time ? fmtDateTime(p.exif_time) : '无'}</dd>
    <dt>相机</dt><dd>${p.camera || '无相机信息'}</dd>
    <dt>照片 GPS</dt><dd>${p.exif_location ? p.exif_location.lat.toFixed(5) + ', ' + p.exif_location.lng.toFixed(5) : '无'}</dd>
    <dt>上传时间</dt><dd>${fmtDateTime(p.created_at)}</dd>
    <dt>尺寸</dt><dd>${p.width} × ${p.height}, ${Math.round(p.size / 1024)} KB ${p.format || ''}</dd>
    <dt>SHA-256</dt><dd class="gc-mono">${(p.sha256 || '').slice(0, 16)}…</dd>
  </dl>
  ${p.flags && p.flags.length ? html`<ul class="gc-photo-flags">${p.flags.map((f) => html`<li><${Chip} tone="red">${f.message}</${Chip}></li>`)}</ul>` : html`<p class="gc-ok">照片未发现异常</p>`}`;
}

// The large viewer: one photo at a time, its EXIF facts and the mini-map; for a rectification the hazard's photos
// and the after-photos side by side at the same size.
function Viewer({ item, info, start, onClose }) {
  const [i, setI] = useState(start || 0);
  const photos = info.photos;
  const cur = photos[i];
  const [p, setP] = useState(null);
  const [grid, setGrid] = useState(null);
  const [place, setPlace] = useState(null);
  useEffect(() => { setP(null); if (cur) lookup('photos', cur.id).then(setP); }, [cur && cur.id]);
  const [detail, setDetail] = useState(info.detail || null);
  useEffect(() => { lookup('areas', item.area_id).then(setGrid); }, [item.area_id]);
  useEffect(() => { if (!detail && DETAIL[item.type]) lookup(DETAIL[item.type].slice(1, -1), item.id).then(setDetail); }, [item.type + item.id]);
  useEffect(() => { if (info.place && info.place.id) lookup('places', info.place.id).then(setPlace); }, [info.place && info.place.id]);
  useEffect(() => {
    const key = (e) => {
      if (e.key === 'ArrowRight' && i < photos.length - 1) setI(i + 1);
      if (e.key === 'ArrowLeft' && i > 0) setI(i - 1);
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [i, photos.length]);
  const placePt = place && place.lat !== null && place.lat !== undefined ? { lat: place.lat, lng: place.lng } : null;
  const loc = info.location || (detail && detail.location);
  const claimed = loc && loc.lat !== undefined && loc.lat !== null ? loc : null;
  const exif = p && p.exif_location ? p.exif_location : null;
  const title = KIND_LABELS[item.type] + ' · ' + (info.user ? info.user.display_name : '') + ' · ' + fmtDateTime(item.occurred_at);
  return html`<${Modal} title=${title} onClose=${onClose} wide=${true}>
    ${item.type === 'rectification' ? html`<div class="gc-side-by-side" data-testid="side-by-side">
      <section><h3>整改前 (隐患照片)</h3><div class="gc-pair">${info.before.map((id) => html`<${Thumb} key=${id} id=${id} big=${true} />`)}${info.before.length ? null : html`<p class="gc-muted">无</p>`}</div></section>
      <section><h3>整改后</h3><div class="gc-pair">${photos.map((x) => html`<${Thumb} key=${x.id} id=${x.id} big=${true} />`)}</div></section>
    </div>` : null}
    <div class="gc-viewer">
      <div class="gc-viewer-photo">
        ${p ? html`<img src=${p.display_url} alt=${'照片 ' + (i + 1)} />` : html`<div class="gc-loading">正在加载…</div>`}
        <div class="gc-viewer-nav">
          <${Btn} small=${true} disabled=${i <= 0} onClick=${() => setI(i - 1)}>← 上一张</${Btn}>
          <span>${photos.length ? (i + 1) + ' / ' + photos.length : '没有照片'}${cur && cur.item ? ' · 检查项 ' + cur.item : ''}</span>
          <${Btn} small=${true} disabled=${i >= photos.length - 1} onClick=${() => setI(i + 1)}>下一张 →</${Btn}>
        </div>
      </div>
      <div class="gc-viewer-side">
        <h3>照片信息</h3>
        <${PhotoFacts} p=${p} />
        <h3>位置</h3>
        <${MiniMap} boundary=${grid && grid.boundary} place=${placePt} claimed=${claimed} exif=${exif} />
        ${claimed && grid && grid.name ? html`<p class="gc-muted">网格: ${grid.name}${detail && detail.distance_m ? ', 距网格 ' + fmtMetres(detail.distance_m) : ''}</p>` : null}
        ${exif && placePt ? html`<p class="gc-muted">照片 GPS 距场所 ${fmtMetres(metres(exif, placePt))}</p>` : null}
      </div>
    </div>
  </${Modal}>`;
}

function RejectDialog({ onCancel, onSubmit, busy, error }) {
  const [choice, setChoice] = useState(0);
  const [text, setText] = useState('');
  const other = useRef(null);
  const reason = choice < PRESET_REASONS.length ? PRESET_REASONS[choice] : text.trim();
  useEffect(() => { if (choice === PRESET_REASONS.length && other.current) other.current.focus(); }, [choice]);
  function submit() { if (reason && !busy) onSubmit(reason); }
  function key(e) {
    const inText = e.target.tagName === 'TEXTAREA';
    if (!inText && e.key.length === 1 && e.key >= '1' && e.key <= String(PRESET_REASONS.length + 1)) { e.preventDefault(); setChoice(Number(e.key) - 1); }
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); submit(); }
  }
  return html`<${Modal} title="驳回原因" onClose=${onCancel}>
    <div class="gc-reject" onKeyDown=${key}>
      <fieldset><legend>选择原因 (数字键 1–${PRESET_REASONS.length + 1} 选择, Enter 确认, Esc 取消)</legend>
        ${PRESET_REASONS.concat(['其他']).map((r, n) => html`<label class="gc-radio">
          <input type="radio" name="reason" checked=${choice === n} data-autofocus=${n === choice ? '1' : null} onChange=${() => setChoice(n)} />
          <span>${n + 1}. ${r}</span></label>`)}
      </fieldset>
      ${choice === PRESET_REASONS.length ? html`<label class="gc-field gc-wide"><span>其他原因</span>
        <textarea ref=${other} aria-label="其他原因" rows="2" maxlength="255" value=${text} onInput=${(e) => setText(e.target.value)}></textarea></label>` : null}
      <${Err} error=${error} />
      <div class="gc-modal-actions">
        <${Btn} onClick=${onCancel}>取消</${Btn}>
        <${Btn} kind="warn" disabled=${busy || !reason} onClick=${submit}>确认驳回</${Btn}>
      </div>
    </div>
  </${Modal}>`;
}

function ConfirmBulk({ count, kinds, onCancel, onConfirm, busy, error }) {
  return html`<${Modal} title="批量通过" onClose=${onCancel}>
    <p>将通过当前筛选下 <strong data-testid="bulk-count">${count}</strong> 条<strong>未标记异常</strong>的记录 (${kinds})。带异常标记的记录不会通过, 仍需逐条审核。</p>
    <${Err} error=${error} />
    <div class="gc-modal-actions">
      <${Btn} onClick=${onCancel}>取消</${Btn}>
      <button type="button" class="gc-btn gc-btn-primary" data-autofocus="1" disabled=${busy} onClick=${onConfirm}>确认通过 ${count} 条</button>
    </div>
  </${Modal}>`;
}

function Help({ onClose }) {
  return html`<${Modal} title="快捷键" onClose=${onClose}>
    <table class="gc-table gc-keys"><tbody>
      <tr><th>j / k</th><td>下一条 / 上一条</td></tr>
      <tr><th>a</th><td>通过当前记录</td></tr>
      <tr><th>r</th><td>驳回当前记录 (选择原因, 数字键选择, Enter 确认)</td></tr>
      <tr><th>Enter</th><td>放大查看照片 (← → 切换)</td></tr>
      <tr><th>?</th><td>显示本帮助</td></tr>
      <tr><th>Esc</th><td>关闭弹窗</td></tr>
    </tbody></table>
    <p class="gc-muted">快捷键只作用于当前选中的记录, 在输入框中不生效。</p>
  </${Modal}>`;
}

function matches(item, f, gridsById, townshipPath) {
  if (f.flag === 'flagged' && !(item.flags || []).length) return false;
  if (f.flag === 'unflagged' && (item.flags || []).length) return false;
  if (f.grid && String(item.area_id) !== f.grid) return false;
  if (f.member && String(item.user_id) !== f.member) return false;
  if (f.day && localDayOf(item.occurred_at) !== f.day) return false;
  if (townshipPath) {
    const g = gridsById.get(item.area_id);
    if (!g || g.path.indexOf(townshipPath) !== 0) return false;
  }
  return true;
}
function localDayOf(iso) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

export function Review({ user }) {
  const [f, setF] = useState({ township: '', grid: '', member: '', kind: '', flag: '', day: '' });
  const [page, setPage] = useState(1);
  const [focus, setFocusState] = useState(0);
  const focusNow = useRef(0);   // the focus as of the last key, before any re-render
  const setFocus = (n) => { focusNow.current = n; setFocusState(n); };
  const [infos, setInfos] = useState({});
  const [decided, setDecided] = useState({});    // "type:id" → {status, by, at, reason}
  const [modal, setModalState] = useState(null);  // {kind: 'view'|'reject'|'bulk'|'help', …}
  const modalNow = useRef(null);
  const setModal = (m) => { modalNow.current = m; setModalState(m); };
  const openModal = (m) => { if (!modalNow.current) setModal(m); };
  const [log, setLog] = useState([]);
  const busy = useBusy();
  const queuePath = '/reviews' + query({ type: f.kind, flagged_only: f.flag === 'flagged' ? 'true' : '' });
  const q = useFetch(queuePath);
  const townships = useFetch(user.role === 'county_admin' ? '/areas?level=township&page_size=100' : null);
  const grids = useFetch('grids', () => getAll('/areas?level=grid'));
  const members = useFetch('members', () => getAll('/users?role=member'));
  const gridsById = useMemo(() => new Map((grids.data || []).map((g) => [g.id, g])), [grids.data]);
  const known = { grids: gridsById, users: useMemo(() => new Map((members.data || []).map((u) => [u.id, u])), [members.data]) };
  const townshipPath = f.township && townships.data ? (townships.data.find((t) => String(t.id) === f.township) || {}).path : '';
  const all = (q.data || []).filter((it) => matches(it, f, gridsById, townshipPath));
  const pending = all.filter((it) => !decided[it.type + ':' + it.id]);
  const pages = Math.max(1, Math.ceil(all.length / PAGE));
  const shown = all.slice((page - 1) * PAGE, page * PAGE);
  const bulkItems = pending.filter((it) => !(it.flags || []).length);
  const refs = useRef([]);
  const set = (k) => (v) => { setF(Object.assign({}, f, { [k]: v })); setPage(1); setFocus(0); };

  const listsReady = !grids.loading && !members.loading;
  useEffect(() => {
    if (!listsReady) return undefined;
    let alive = true;
    shown.forEach((it) => {
      const k = it.type + ':' + it.id;
      if (infos[k]) return;
      enrich(it, known).then((x) => alive && setInfos((m) => Object.assign({}, m, { [k]: x })));
    });
    return () => { alive = false; };
  }, [shown.map((x) => x.type + x.id).join(','), listsReady]);

  useEffect(() => { const el = refs.current[focus]; if (el && document.activeElement !== el && !modal) el.focus({ preventScroll: false }); }, [focus, page, shown.length]);

  function record(it, status, reason, out) {
    const d = { status: status, by: (out && out.reviewed_by && out.reviewed_by.display_name) || user.display_name,
      at: (out && out.reviewed_at) || new Date().toISOString(), reason: reason || null };
    setDecided((m) => Object.assign({}, m, { [it.type + ':' + it.id]: d }));
    setLog((l) => [Object.assign({ item: it, who: infos[it.type + ':' + it.id] }, d)].concat(l).slice(0, 50));
  }
  // the focus moves on at once and the decision is sent behind it, so a reviewer never waits for the network;
  // a record being sent is never sent twice, and a refusal shows and leaves the record undecided
  const inflight = useRef(new Set());
  async function decide(it, decision, reason) {
    const k = it.type + ':' + it.id;
    if (inflight.current.has(k) || decided[k]) return false;
    inflight.current.add(k);
    const out = await busy.run(() => api.post('/reviews/' + it.type + '/' + it.id, reason ? { decision: decision, reason: reason } : { decision: decision }));
    inflight.current.delete(k);
    if (out) record(it, out.review_status || (decision === 'approve' ? 'approved' : 'rejected'), reason, out);
    return !!out;
  }
  function approve(it) {
    if (!it || inflight.current.has(it.type + ':' + it.id) || decided[it.type + ':' + it.id]) return;
    next(it);
    decide(it, 'approve');
  }
  async function reject(it, reason) {
    if (await decide(it, 'reject', reason)) { setModal(null); next(it); }
  }
  async function bulk() {
    const ids = bulkItems.map((it) => it.id);
    const kinds = Array.from(new Set(bulkItems.map((it) => it.type)));
    // one call per kind with the explicit list: exactly the records the admin saw counted, nothing else
    let approved = 0;
    for (const kind of kinds) {
      const list = bulkItems.filter((it) => it.type === kind).map((it) => it.id);
      const out = await busy.run(() => api.post('/reviews/bulk-approve', { type: kind, ids: list }));
      if (!out) return;
      approved += out.approved;
    }
    const now = new Date().toISOString();
    const m = Object.assign({}, decided);
    bulkItems.forEach((it) => { m[it.type + ':' + it.id] = { status: 'approved', by: user.display_name + ' (批量)', at: now }; });
    setDecided(m);
    setLog((l) => [{ status: 'approved', by: user.display_name, at: now, reason: null, bulk: approved, item: null }].concat(l));
    setModal(null);
    if (approved !== ids.length) busy.setError('已通过 ' + approved + ' 条; 其余 ' + (ids.length - approved) + ' 条已被他人审核或已变化, 请刷新');
  }
  function next(from) {
    const at = from ? shown.indexOf(from) : focusNow.current;
    const busyOrDone = (x) => decided[x.type + ':' + x.id] || inflight.current.has(x.type + ':' + x.id);
    const idx = shown.findIndex((x, n) => n > at && !busyOrDone(x));
    setFocus(idx >= 0 ? idx : Math.min(at + 1, shown.length - 1));
  }

  // one listener for the screen's life, reading the state of the latest render (an effect re-registered after
  // each render would lag a frame behind a fast typist, still seeing a dialog that just closed)
  const live = useRef(null);
  live.current = { modal: modal, shown: shown, focus: focus, decided: decided, infos: infos, approve: approve };
  useEffect(() => {
    function key(e) {
      const s = live.current;
      if (modalNow.current || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
      const it = s.shown[focusNow.current];
      const open = it && !s.decided[it.type + ':' + it.id];
      if (e.key === 'j') { e.preventDefault(); setFocus(Math.min(focusNow.current + 1, s.shown.length - 1)); }
      else if (e.key === 'k') { e.preventDefault(); setFocus(Math.max(focusNow.current - 1, 0)); }
      else if (e.key === 'a' && open) { e.preventDefault(); s.approve(it); }
      else if (e.key === 'r' && open) { e.preventDefault(); openModal({ kind: 'reject', item: it }); }
      else if (e.key === 'Enter' && it && s.infos[it.type + ':' + it.id] && t && t.tagName !== 'BUTTON' && t.tagName !== 'A') { e.preventDefault(); openModal({ kind: 'view', item: it, start: 0 }); }
      else if (e.key === '?') { e.preventDefault(); openModal({ kind: 'help' }); }
    }
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, []);

  const flaggedCount = pending.filter((it) => (it.flags || []).length).length;
  return html`<${Screen} title="照片审核" actions=${html`
      <${Btn} onClick=${() => setModal({ kind: 'help' })} title="快捷键 (?)">快捷键 ?</${Btn}>
      <${Btn} kind="primary" disabled=${!bulkItems.length || busy.busy} onClick=${() => setModal({ kind: 'bulk' })}>批量通过未标记 (${bulkItems.length})</${Btn}>`}>
    <${Filters}>
      ${user.role === 'county_admin' ? html`<${Select} label="乡镇" value=${f.township} onChange=${set('township')} options=${(townships.data || []).map((t) => [t.id, t.name])} />` : null}
      <${Select} label="网格" value=${f.grid} onChange=${set('grid')} options=${(grids.data || []).filter((g) => !townshipPath || g.path.indexOf(townshipPath) === 0).map((g) => [g.id, g.name])} />
      <${Select} label="网格员" value=${f.member} onChange=${set('member')} options=${(members.data || []).map((u) => [u.id, u.display_name])} />
      <${Select} label="类型" value=${f.kind} onChange=${set('kind')} options=${Object.keys(KIND_LABELS).map((k) => [k, KIND_LABELS[k]])} />
      <${Select} label="异常标记" value=${f.flag} onChange=${set('flag')} options=${[['flagged', '有异常'], ['unflagged', '无异常']]} />
      <${Input} label="日期" type="date" value=${f.day} onInput=${set('day')} />
    </${Filters}>
    <p class="gc-summary" data-testid="review-summary">待审核 <strong>${pending.length}</strong> 条, 其中有异常标记 <strong>${flaggedCount}</strong> 条 (异常在前)</p>
    <${Err} error=${q.error || busy.error} onRetry=${q.error ? q.reload : null} />
    ${q.loading && !q.data ? html`<${Loading} />` : null}
    ${q.data && !all.length ? html`<${Empty} text="没有待审核的记录" />` : null}
    <div class="gc-cards" role="list">
      ${shown.map((it, n) => html`<${Card} key=${it.type + it.id} item=${it} info=${infos[it.type + ':' + it.id]} focused=${n === focus}
        decided=${decided[it.type + ':' + it.id]} cardRef=${(el) => { refs.current[n] = el; }}
        onFocus=${() => setFocus(n)} onOpen=${(i) => setModal({ kind: 'view', item: it, start: i })}
        onApprove=${() => approve(it)} onReject=${() => setModal({ kind: 'reject', item: it })} />`)}
    </div>
    <${Pager} page=${page} pages=${pages} total=${all.length} onPage=${(p) => { setPage(p); setFocus(0); }} />
    ${log.length ? html`<section class="gc-log"><h2>本次审核记录</h2><ul>${log.map((d) => html`<li>
      ${d.bulk !== undefined ? html`批量通过 ${d.bulk} 条 · ${d.by} · ${fmtDateTime(d.at)}` : html`
      ${KIND_LABELS[d.item.type]} #${d.item.id} ${d.who && d.who.user ? d.who.user.display_name : ''}: <${Decision} d=${d} />`}</li>`)}</ul></section>` : null}
    ${modal && modal.kind === 'view' && infos[modal.item.type + ':' + modal.item.id] ? html`<${Viewer} item=${modal.item} info=${infos[modal.item.type + ':' + modal.item.id]} start=${modal.start} onClose=${() => setModal(null)} />` : null}
    ${modal && modal.kind === 'reject' ? html`<${RejectDialog} busy=${busy.busy} error=${busy.error} onCancel=${() => setModal(null)} onSubmit=${(r) => reject(modal.item, r)} />` : null}
    ${modal && modal.kind === 'bulk' ? html`<${ConfirmBulk} count=${bulkItems.length} kinds=${Array.from(new Set(bulkItems.map((it) => KIND_LABELS[it.type]))).join('、')} busy=${busy.busy} error=${busy.error} onCancel=${() => setModal(null)} onConfirm=${bulk} />` : null}
    ${modal && modal.kind === 'help' ? html`<${Help} onClose=${() => setModal(null)} />` : null}
  </${Screen}>`;
}
