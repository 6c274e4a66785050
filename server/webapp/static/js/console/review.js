// 照片审核: the township's review queue, read page by page from the server (GET /reviews, flagged first over the
// whole queue) with the filters the server applies (township/grid, member, kind, flags, days); cards with the
// member, grid, place, times, every photo and the flags; a large viewer with EXIF facts and a mini-map, and for a
// rectification the hazard's photos and the after-photos side by side at one large size; approve, reject with a
// reason, bulk approve of the unflagged records the filters select with the count the screen showed; the decided
// records with who decided, when and why.  Keys j/k a r Enter ? act on the focused card, never inside inputs.
import { html, useState, useEffect, useRef } from '../ui/html.js';
import * as api from '../api.js';
import {
  Screen, Btn, Select, Input, Filters, Loading, Err, Empty, Chip, Pager, Modal, lookup, useFetch, useLookup, query,
  getPage, fmtDateTime,
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

// Every page of a list, for look-ups that must be complete (grids of a township, members of a township).
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

const DETAIL = { checkin: 'checkins', visit: 'visits', publicity: 'publicity' };
const keyOf = (it) => it.type + ':' + it.id;

// The filters as the server takes them (GET /reviews and the bulk approval's filter): a grid narrows a township.
function serverFilter(f) {
  const out = {};
  if (f.kind) out.type = f.kind;
  if (f.grid || f.township) out.area_id = Number(f.grid || f.township);
  if (f.member) out.user_id = Number(f.member);
  if (f.day_from) out.day_from = f.day_from;
  if (f.day_to) out.day_to = f.day_to;
  return out;
}

// A card's photos: the record's own, then each checklist answer's (labelled with its item).
function photosOf(item) {
  const byAnswer = new Map();
  (item.answer_photos || []).forEach((a) => (a.photo_ids || []).forEach((p) => byAnswer.set(p, a.item_id)));
  return (item.photo_ids || []).map((p) => ({ id: p, item: byAnswer.get(p) }));
}
const memberName = (it) => (it.member ? it.member.name || it.member.username : '');

// What stands for a record: decided here (this session), or as the server says (the decided view).
function standing(item, local) {
  if (local) return local;
  if (!item.review_status || item.review_status === 'pending') return null;
  return { status: item.review_status, by: item.reviewed_by ? item.reviewed_by.display_name : '', at: item.reviewed_at,
    reason: item.review_reason };
}
function decisionOf(out, fallbackBy) {
  return { status: out.review_status, reason: out.review_reason || null, at: out.reviewed_at || new Date().toISOString(),
    by: out.reviewed_by ? out.reviewed_by.display_name : fallbackBy };
}

function Thumb({ id, label, onOpen }) {
  const p = useLookup('photos', id);
  const flagged = p && p.flags && p.flags.length;
  return html`<button type="button" class=${'gc-thumb' + (flagged ? ' gc-thumb-flagged' : '')} onClick=${onOpen} tabindex="-1"
    title=${label || '照片'} aria-label=${'查看' + (label || '照片')}>
    ${p ? html`<img src=${p.thumbnail_url} alt=${label || '照片'} loading="lazy" />` : html`<span>…</span>`}
    ${label ? html`<small>${label}</small>` : null}
  </button>`;
}

function Card({ item, decided, focused, onFocus, onOpen, onApprove, onReject, cardRef }) {
  const flags = item.flags || [];
  const hazard = useLookup('hazards', item.type === 'rectification' ? item.hazard_id : null);
  const photos = photosOf(item);
  const after = item.type === 'rectification';
  return html`<article ref=${cardRef} tabindex="0" class=${'gc-card' + (focused ? ' gc-focus' : '') + (flags.length ? ' gc-card-flagged' : '')}
      data-record=${keyOf(item)} aria-label=${KIND_LABELS[item.type] + ' ' + memberName(item)}
      onFocus=${onFocus} onClick=${onFocus}>
    <header>
      <${Chip} tone=${after ? 'blue' : 'green'}>${KIND_LABELS[item.type] || item.type}</${Chip}>
      <strong class="gc-who-name">${memberName(item) || '—'}</strong>
      <span class="gc-muted">${item.grid ? item.grid.name : ''}${item.place ? ' · ' + item.place.name : ''}</span>
      <span class="gc-time">${fmtDateTime(item.occurred_at)}</span>
    </header>
    ${flags.length ? html`<div class="gc-flags">${flags.map((f) => html`<${Chip} tone="red" title=${typeof f === 'string' ? f : f.code}>${flagText(f)}</${Chip}>`)}</div>` : null}
    ${hazard ? html`<p class="gc-line">隐患: ${hazard.description}${hazard.rectification_statement ? html` <span class="gc-muted">整改说明: ${hazard.rectification_statement}</span>` : null}</p>` : null}
    <div class="gc-thumbs">
      ${after && (item.before_photo_ids || []).length ? html`<${Thumb} id=${item.before_photo_ids[0]} label="整改前" onOpen=${() => onOpen(0)} />` : null}
      ${photos.map((p, i) => html`<${Thumb} key=${p.id} id=${p.id} label=${p.item ? '检查项 ' + p.item : (after ? '整改后' : '')} onOpen=${() => onOpen(i)} />`)}
      ${!photos.length ? html`<span class="gc-warn">没有照片</span>` : null}
    </div>
    <footer>
      ${decided ? html`<${Decision} d=${decided} />` : html`
        <${Btn} kind="primary" small=${true} onClick=${onApprove}>通过 (a)</${Btn}>
        <${Btn} kind="warn" small=${true} onClick=${onReject}>驳回 (r)</${Btn}>
        <${Btn} small=${true} onClick=${() => onOpen(0)}>放大 (Enter)</${Btn}>`}
    </footer>
  </article>`;
}

// Who decided, when and why.
export function Decision({ d }) {
  return html`<p class=${'gc-decision gc-decision-' + d.status} role="status">
    ${d.status === 'approved' ? '已通过' : '已驳回'} · ${d.by || '审核人未记录'}${d.bulk ? ' (批量)' : ''} · ${fmtDateTime(d.at)}${d.reason ? html` · 原因: <q>${d.reason}</q>` : null}
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

// One photo large in a fixed frame (the two sides of a rectification get frames of exactly one size), with ← →
// between the photos of that side.
function Frame({ ids, at, onAt, title, testid }) {
  const id = ids[at];
  const p = useLookup('photos', id);
  return html`<section class="gc-frame-box" data-testid=${testid}>
    <h3>${title}${ids.length > 1 ? html` <span class="gc-muted">${at + 1} / ${ids.length}</span>` : null}</h3>
    <div class="gc-frame">${id ? (p ? html`<img src=${p.display_url} alt=${title + ' ' + (at + 1)} />` : html`<span class="gc-muted">正在加载…</span>`) : html`<span class="gc-muted">没有照片</span>`}</div>
    ${ids.length > 1 ? html`<div class="gc-viewer-nav">
      <${Btn} small=${true} disabled=${at <= 0} onClick=${() => onAt(at - 1)}>← 上一张</${Btn}>
      <${Btn} small=${true} disabled=${at >= ids.length - 1} onClick=${() => onAt(at + 1)}>下一张 →</${Btn}>
    </div>` : null}
  </section>`;
}

// The place, the grid's boundary and the claimed point of a record, for the mini-map.
function useWhere(item) {
  const grid = useLookup('areas', item.area_id);
  const detail = useLookup(DETAIL[item.type] || null, DETAIL[item.type] ? item.id : null);
  const hazard = useLookup('hazards', item.type === 'rectification' ? item.hazard_id : null);
  const place = useLookup('places', item.place ? item.place.id : null);
  const loc = (detail && detail.location) || (hazard && hazard.location);
  return {
    grid: grid, detail: detail, hazard: hazard,
    place: place && place.lat !== null && place.lat !== undefined ? { lat: place.lat, lng: place.lng } : null,
    claimed: loc && loc.lat !== undefined && loc.lat !== null ? loc : null,
  };
}

function WhereFacts({ where, p }) {
  const exif = p && p.exif_location ? p.exif_location : null;
  const { grid, detail, place, claimed } = where;
  return html`<${MiniMap} boundary=${grid && grid.boundary} place=${place} claimed=${claimed} exif=${exif} />
    ${grid && grid.name ? html`<p class="gc-muted">网格: ${grid.name}${claimed && detail && detail.distance_m ? ', 上报位置距网格 ' + fmtMetres(detail.distance_m) : ''}</p>` : null}
    ${exif && place ? html`<p class="gc-muted">照片 GPS 距场所 ${fmtMetres(metres(exif, place))}</p>` : null}
    ${detail && detail.received_at && Math.abs(Date.parse(detail.received_at) - Date.parse(detail.occurred_at || detail.received_at)) > 3600000
      ? html`<p class="gc-muted">服务器收到: ${fmtDateTime(detail.received_at)}</p>` : null}`;
}

// The large viewer.  A rectification: the hazard's photo and the after-photo side by side in two frames of one
// large size, the facts of the after-photo under them; other records: one photo at a time beside its facts.
function Viewer({ item, start, onClose }) {
  const photos = photosOf(item);
  const before = item.before_photo_ids || [];
  const [i, setI] = useState(Math.min(start || 0, Math.max(photos.length - 1, 0)));
  const [bi, setBi] = useState(0);
  const cur = photos[i];
  const p = useLookup('photos', cur ? cur.id : null);
  const where = useWhere(item);
  const live = useRef(null);
  live.current = { i: i, n: photos.length };
  useEffect(() => {
    const key = (e) => {
      const s = live.current;
      if (e.key === 'ArrowRight' && s.i < s.n - 1) setI(s.i + 1);
      if (e.key === 'ArrowLeft' && s.i > 0) setI(s.i - 1);
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, []);
  const title = KIND_LABELS[item.type] + ' · ' + memberName(item) + ' · ' + fmtDateTime(item.occurred_at);
  if (item.type === 'rectification') {
    const h = where.hazard;
    return html`<${Modal} title=${title} onClose=${onClose} wide=${true}>
      ${h ? html`<p class="gc-line">隐患: ${h.description}${h.rectification_statement ? html` · <span class="gc-muted">整改说明: ${h.rectification_statement}</span>` : null}</p>` : null}
      <div class="gc-compare" data-testid="side-by-side">
        <${Frame} ids=${before} at=${bi} onAt=${setBi} title="整改前 (隐患照片)" testid="before" />
        <${Frame} ids=${photos.map((x) => x.id)} at=${i} onAt=${setI} title="整改后" testid="after" />
      </div>
      <div class="gc-compare-facts">
        <div><h3>整改后照片信息</h3><${PhotoFacts} p=${p} /></div>
        <div><h3>位置</h3><${WhereFacts} where=${where} p=${p} /></div>
      </div>
    </${Modal}>`;
  }
  return html`<${Modal} title=${title} onClose=${onClose} wide=${true}>
    <div class="gc-viewer">
      <div class="gc-viewer-photo">
        ${p ? html`<img src=${p.display_url} alt=${'照片 ' + (i + 1)} />` : html`<div class="gc-loading">${cur ? '正在加载…' : '没有照片'}</div>`}
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
        <${WhereFacts} where=${where} p=${p} />
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
      <p class="gc-muted">网格员会在手机上看到驳回原因。</p>
      <${Err} error=${error} />
      <div class="gc-modal-actions">
        <${Btn} onClick=${onCancel}>取消</${Btn}>
        <${Btn} kind="warn" disabled=${busy || !reason} onClick=${submit}>确认驳回</${Btn}>
      </div>
    </div>
  </${Modal}>`;
}

function ConfirmBulk({ count, scope, onCancel, onConfirm, busy, error }) {
  return html`<${Modal} title="批量通过" onClose=${onCancel}>
    <p>将通过当前筛选条件 (${scope}) 下 <strong data-testid="bulk-count">${count}</strong> 条<strong>未标记异常</strong>的待审核记录 (含其他页)。带异常标记的记录不会通过, 仍需逐条审核。</p>
    <p class="gc-muted">若确认前队列发生变化 (新记录或他人已审核), 将不会通过任何记录, 并提示您重新确认。</p>
    <${Err} error=${error} />
    <div class="gc-modal-actions">
      <${Btn} onClick=${onCancel}>取消</${Btn}>
      <button type="button" class="gc-btn gc-btn-primary" data-autofocus="1" disabled=${busy || !count} onClick=${onConfirm}>确认通过 ${count} 条</button>
    </div>
  </${Modal}>`;
}

function Help({ onClose }) {
  return html`<${Modal} title="快捷键" onClose=${onClose}>
    <table class="gc-table gc-keys"><tbody>
      <tr><th>j / k</th><td>下一条 / 上一条 (本页最后一条再按 j 翻到下一页)</td></tr>
      <tr><th>a</th><td>通过当前记录</td></tr>
      <tr><th>r</th><td>驳回当前记录 (选择原因, 数字键选择, Enter 确认)</td></tr>
      <tr><th>Enter</th><td>放大查看照片 (← → 切换)</td></tr>
      <tr><th>?</th><td>显示本帮助</td></tr>
      <tr><th>Esc</th><td>关闭弹窗</td></tr>
    </tbody></table>
    <p class="gc-muted">快捷键只作用于当前选中的记录, 在输入框中不生效。</p>
  </${Modal}>`;
}

// How many pending records the filter selects, with and without flags (the bulk approval's expected_count).
function useCounts(filter, tick, active) {
  const [c, setC] = useState({ loading: true });
  const key = JSON.stringify(filter) + '|' + tick + '|' + active;
  useEffect(() => {
    if (!active) { setC({ loading: false }); return undefined; }
    let alive = true;
    setC((x) => Object.assign({}, x, { loading: true }));
    const total = (extra) => getPage('/reviews' + query(Object.assign({}, filter, extra, { page_size: 1 }))).then((r) => r.total);
    Promise.all([total({ flagged_only: true }), total({ unflagged_only: true })]).then(
      (r) => alive && setC({ flagged: r[0], unflagged: r[1], loading: false }),
      (e) => alive && setC({ error: api.explain(e), loading: false }));
    return () => { alive = false; };
  }, [key]);
  return c;
}

const NO_FILTER = { township: '', grid: '', member: '', kind: '', flag: '', day_from: '', day_to: '' };

export function Review({ user }) {
  const county = user.role === 'county_admin';
  const [f, setF] = useState(NO_FILTER);
  const [view, setView] = useState('pending');       // pending: the queue; decided: who decided what, when, why
  const [win, setWin] = useState({ page: 1, focus: 0 });  // the server's page, and the card to focus on arrival
  const [focus, setFocusState] = useState(0);
  const focusNow = useRef(0);   // the focus as of the last key, before any re-render
  const setFocus = (n) => { focusNow.current = n; setFocusState(n); };
  const [decided, setDecided] = useState({});    // "type:id" → {status, by, at, reason} decided on this screen
  const [modal, setModalState] = useState(null);  // {kind: 'view'|'reject'|'bulk'|'help', …}
  const modalNow = useRef(null);
  const setModal = (m) => { modalNow.current = m; setModalState(m); };
  const openModal = (m) => { if (!modalNow.current) setModal(m); };
  const [log, setLog] = useState([]);
  const [error, setError] = useState(null);
  const [rejecting, setRejecting] = useState(false);
  const [bulkState, setBulkState] = useState({ busy: false, error: null });
  const [tick, setTick] = useState(0);           // recount after each decision lands
  const [inflightN, setInflightN] = useState(0);
  const inflight = useRef(new Set());

  const filter = serverFilter(f);
  const pathFor = (n) => '/reviews' + query(Object.assign({}, filter, {
    flagged_only: f.flag === 'flagged', unflagged_only: f.flag === 'unflagged', status: view === 'decided' ? 'decided' : '',
    page: n, page_size: PAGE }));
  // the next page is read (with its photos' facts and thumbnails) while the officer works on this one, so that
  // moving on does not wait; a read older than a minute is not used
  const ahead = useRef(null);
  const readPage = (path) => {
    const a = ahead.current;
    ahead.current = null;
    return a && a.path === path && Date.now() - a.at < 60000 ? a.promise : getPage(path);
  };
  const q = useFetch(pathFor(win.page), readPage);
  useEffect(() => {
    if (!q.data || win.page >= q.data.pages) return undefined;
    const path = pathFor(win.page + 1);
    const later = setTimeout(() => {      // once this page's own photos have had their turn
      const promise = getPage(path);
      ahead.current = { path: path, at: Date.now(), promise: promise };
      promise.then((r) => r.items.forEach((it) => photosOf(it).forEach((ph) => lookup('photos', ph.id).then((p) => {
        if (p) { const img = new Image(); img.src = p.thumbnail_url; }
      }))), () => null);
    }, 1200);
    return () => clearTimeout(later);
  }, [q.data]);
  // the cards come first: the counts and the filters' lists are asked once the first page has answered
  const started = useRef(false);
  if (q.data || q.error) started.current = true;
  const later = (path) => (started.current ? path : null);
  const counts = useCounts(filter, tick, view === 'pending' && started.current);
  const townships = useFetch(later(county ? '/areas?level=township&page_size=100' : null));
  const gridsPath = county ? (f.township ? '/areas?level=grid&under_id=' + f.township : null) : '/areas?level=grid';
  const grids = useFetch(later(gridsPath), getAll);
  const membersPath = county ? (f.township ? '/users?role=member&area_id=' + (f.grid || f.township) : null)
    : '/users?role=member' + (f.grid ? '&area_id=' + f.grid : '');
  const members = useFetch(later(membersPath), getAll);

  const page = q.data || { items: [], total: 0, pages: 1 };
  const shown = page.items;
  const local = (it) => decided[keyOf(it)];
  const refs = useRef([]);
  const set = (k) => (v) => {
    const next = Object.assign({}, f, { [k]: v });
    if (k === 'township') { next.grid = ''; next.member = ''; }
    if (k === 'grid') next.member = '';
    setF(next); setWin({ page: 1, focus: 0 }); setFocus(0);
  };
  useEffect(() => { if (q.data) setFocus(Math.min(win.focus, Math.max(q.data.items.length - 1, 0))); }, [q.data]);
  // (the latest focus, not this render's: a key pressed before this effect ran must not be undone by it)
  useEffect(() => { const el = refs.current[focusNow.current]; if (el && document.activeElement !== el && !modalNow.current) el.focus({ preventScroll: false }); }, [focus, q.data]);

  function record(it, d) {
    setDecided((m) => Object.assign({}, m, { [keyOf(it)]: d }));
    setLog((l) => [Object.assign({ item: it }, d)].concat(l).slice(0, 50));
  }
  // the focus moves on at once and the decision is sent behind it, so a reviewer never waits for the network;
  // a record being sent is never sent twice; a refusal shows and leaves the record undecided, and a record someone
  // else decided first shows their decision
  async function decide(it, decision, reason) {
    const k = keyOf(it);
    if (inflight.current.has(k) || decided[k]) return false;
    inflight.current.add(k);
    setInflightN(inflight.current.size);
    setError(null);
    let ok = false;
    try {
      const out = await api.post('/reviews/' + it.type + '/' + it.id, reason ? { decision: decision, reason: reason } : { decision: decision });
      record(it, decisionOf(out, user.display_name));
      ok = true;
    } catch (e) {
      const d = e.detail || {};
      if (e.code === 'already_decided' && d.review_status) {
        record(it, decisionOf(d, ''));
        setError('该记录已由' + (d.reviewed_by ? ' ' + d.reviewed_by.display_name + ' ' : '他人') + '审核, 以其决定为准');
      } else {
        setError(api.explain(e));
      }
    } finally {
      inflight.current.delete(k);
      setInflightN(inflight.current.size);
      setTick((x) => x + 1);
    }
    return ok;
  }
  function approve(it) {
    if (!it || inflight.current.has(keyOf(it)) || decided[keyOf(it)]) return;
    next(it);
    decide(it, 'approve');
  }
  async function reject(it, reason) {
    setRejecting(true);
    const ok = await decide(it, 'reject', reason);
    setRejecting(false);
    if (ok || decided[keyOf(it)]) { setModal(null); next(it); }
  }
  // every unflagged pending record the filters select, on every page: the server approves them only if it still
  // counts what this screen showed (409 count_changed otherwise, and nothing is approved)
  async function bulk() {
    const expected = counts.unflagged;
    setBulkState({ busy: true, error: null });
    try {
      const out = await api.post('/reviews/bulk-approve', { filter: filter, expected_count: expected });
      const now = new Date().toISOString();
      const m = Object.assign({}, decided);
      shown.forEach((it) => { if (!(it.flags || []).length && !standing(it, m[keyOf(it)])) m[keyOf(it)] = { status: 'approved', by: user.display_name, bulk: true, at: now }; });
      setDecided(m);
      setLog((l) => [{ status: 'approved', by: user.display_name, at: now, bulk: out.approved, item: null }].concat(l));
      setBulkState({ busy: false, error: null });
      setModal(null);
    } catch (e) {
      const d = e.detail || {};
      setBulkState({ busy: false, error: e.code === 'count_changed'
        ? '队列已变化: 您确认的是 ' + expected + ' 条, 现在是 ' + d.actual + ' 条未标记记录。未通过任何记录, 请核对后重新确认。'
        : api.explain(e) });
    }
    setTick((x) => x + 1);
  }
  // the next page starts after what is still pending here: records decided on this page have left the queue
  function nextPage() {
    const start = (win.page - 1) * PAGE;
    const gone = view === 'pending' ? shown.filter((it) => decided[keyOf(it)] || inflight.current.has(keyOf(it))).length : 0;
    const offset = start + shown.length - gone;
    const to = Math.floor(offset / PAGE) + 1;
    setWin({ page: to, focus: offset % PAGE });
    if (to === win.page) q.reload();      // the same page number now holds the records that came after
  }
  function goPage(n) { if (n > win.page) nextPage(); else setWin({ page: n, focus: 0 }); }
  function next(from) {
    const at = from ? shown.indexOf(from) : focusNow.current;
    const busyOrDone = (x) => decided[keyOf(x)] || inflight.current.has(keyOf(x));
    const idx = shown.findIndex((x, n) => n > at && !busyOrDone(x));
    setFocus(idx >= 0 ? idx : Math.min(at + 1, shown.length - 1));
  }

  // one listener for the screen's life, reading the state of the latest render (an effect re-registered after
  // each render would lag a frame behind a fast typist, still seeing a dialog that just closed)
  const live = useRef(null);
  live.current = { shown: shown, decided: decided, approve: approve, nextPage: nextPage, more: win.page < page.pages, view: view };
  useEffect(() => {
    function key(e) {
      const s = live.current;
      if (modalNow.current || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
      const it = s.shown[focusNow.current];
      const open = it && s.view === 'pending' && !standing(it, s.decided[keyOf(it)]);
      if (e.key === 'j') {
        e.preventDefault();
        if (focusNow.current >= s.shown.length - 1 && s.more) s.nextPage();
        else setFocus(Math.min(focusNow.current + 1, s.shown.length - 1));
      } else if (e.key === 'k') { e.preventDefault(); setFocus(Math.max(focusNow.current - 1, 0)); }
      else if (e.key === 'a' && open) { e.preventDefault(); s.approve(it); }
      else if (e.key === 'r' && open) { e.preventDefault(); openModal({ kind: 'reject', item: it }); }
      else if (e.key === 'Enter' && it && t && t.tagName !== 'BUTTON' && t.tagName !== 'A') { e.preventDefault(); openModal({ kind: 'view', item: it, start: 0 }); }
      else if (e.key === '?') { e.preventDefault(); openModal({ kind: 'help' }); }
    }
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, []);

  const bulkN = f.flag === 'flagged' ? 0 : (counts.unflagged || 0);
  const scopeText = [
    f.township && townships.data ? (townships.data.find((t) => String(t.id) === f.township) || {}).name : '',
    f.grid && grids.data ? (grids.data.find((g) => String(g.id) === f.grid) || {}).name : '',
    f.member && members.data ? (members.data.find((u) => String(u.id) === f.member) || {}).display_name : '',
    f.kind ? KIND_LABELS[f.kind] : '',
    f.day_from || f.day_to ? (f.day_from || '…') + ' 至 ' + (f.day_to || '…') : '',
  ].filter(Boolean).join(' · ') || '全部';
  const switchView = (v) => { setView(v); setWin({ page: 1, focus: 0 }); setFocus(0); };
  return html`<${Screen} title="照片审核" actions=${html`
      <${Btn} onClick=${() => { q.reload(); setTick((x) => x + 1); }} title="重新读取队列">刷新</${Btn}>
      <${Btn} onClick=${() => setModal({ kind: 'help' })} title="快捷键 (?)">快捷键 ?</${Btn}>
      ${view === 'pending' ? html`<${Btn} kind="primary" disabled=${!bulkN || counts.loading || inflightN > 0 || bulkState.busy} onClick=${() => { setBulkState({ busy: false, error: null }); setModal({ kind: 'bulk' }); }}>批量通过未标记 (${counts.unflagged === undefined ? '…' : bulkN})</${Btn}>` : null}`}>
    <div class="gc-tabs" role="tablist" aria-label="审核视图">
      <button type="button" role="tab" aria-selected=${view === 'pending'} class=${view === 'pending' ? 'gc-on' : ''} onClick=${() => switchView('pending')}>待审核</button>
      <button type="button" role="tab" aria-selected=${view === 'decided'} class=${view === 'decided' ? 'gc-on' : ''} onClick=${() => switchView('decided')}>已审核 (谁、何时、为何)</button>
    </div>
    <${Filters}>
      ${county ? html`<${Select} label="乡镇" value=${f.township} onChange=${set('township')} options=${(townships.data || []).map((t) => [t.id, t.name])} />` : null}
      <${Select} label="网格" value=${f.grid} onChange=${set('grid')} empty=${county && !f.township ? '全部 (先选乡镇)' : '全部'} options=${(grids.data || []).map((g) => [g.id, g.name])} />
      <${Select} label="网格员" value=${f.member} onChange=${set('member')} empty=${county && !f.township ? '全部 (先选乡镇)' : '全部'} options=${(members.data || []).map((u) => [u.id, u.display_name])} />
      <${Select} label="类型" value=${f.kind} onChange=${set('kind')} options=${Object.keys(KIND_LABELS).map((k) => [k, KIND_LABELS[k]])} />
      <${Select} label="异常标记" value=${f.flag} onChange=${set('flag')} options=${[['flagged', '仅有异常'], ['unflagged', '仅无异常']]} />
      <${Input} label="日期从" type="date" value=${f.day_from} max=${f.day_to || undefined} onInput=${set('day_from')} />
      <${Input} label="日期至" type="date" value=${f.day_to} min=${f.day_from || undefined} onInput=${set('day_to')} />
      <p class="gc-hint">日期按北京时间的记录日, 格式 年-月-日 (如 2026-12-01)</p>
    </${Filters}>
    ${view === 'pending' ? html`<p class="gc-summary" data-testid="review-summary">${counts.flagged === undefined ? '正在统计…'
      : html`待审核 <strong>${counts.flagged + counts.unflagged}</strong> 条, 其中有异常标记 <strong>${counts.flagged}</strong> 条 (异常在前)`}</p>`
      : html`<p class="gc-summary" data-testid="review-summary">已审核 <strong>${page.total}</strong> 条, 最近的决定在前</p>`}
    <${Err} error=${q.error || counts.error || error} onRetry=${q.error ? q.reload : null} />
    ${q.loading && !q.data ? html`<${Loading} />` : null}
    ${q.data && !shown.length ? html`<${Empty} text=${view === 'pending' ? '没有待审核的记录' : '没有已审核的记录'} />` : null}
    <div class=${'gc-cards' + (q.loading && q.data ? ' gc-stale' : '')} role="list">
      ${shown.map((it, n) => html`<${Card} key=${keyOf(it)} item=${it} focused=${n === focus}
        decided=${standing(it, local(it))} cardRef=${(el) => { refs.current[n] = el; }}
        onFocus=${() => setFocus(n)} onOpen=${(i) => setModal({ kind: 'view', item: it, start: i })}
        onApprove=${() => approve(it)} onReject=${() => setModal({ kind: 'reject', item: it })} />`)}
    </div>
    <${Pager} page=${win.page} pages=${page.pages} total=${page.total} onPage=${goPage} />
    ${log.length ? html`<section class="gc-log"><h2>本次审核记录</h2><ul>${log.map((d) => html`<li>
      ${d.item === null ? html`批量通过 ${d.bulk} 条 · ${d.by} · ${fmtDateTime(d.at)}` : html`
      ${KIND_LABELS[d.item.type]} #${d.item.id} ${memberName(d.item)}: <${Decision} d=${d} />`}</li>`)}</ul></section>` : null}
    ${modal && modal.kind === 'view' ? html`<${Viewer} item=${modal.item} start=${modal.start} onClose=${() => setModal(null)} />` : null}
    ${modal && modal.kind === 'reject' ? html`<${RejectDialog} busy=${rejecting} error=${error} onCancel=${() => setModal(null)} onSubmit=${(r) => reject(modal.item, r)} />` : null}
    ${modal && modal.kind === 'bulk' ? html`<${ConfirmBulk} count=${bulkN} scope=${scopeText} busy=${bulkState.busy} error=${bulkState.error} onCancel=${() => setModal(null)} onConfirm=${bulk} />` : null}
    ${modal && modal.kind === 'help' ? html`<${Help} onClose=${() => setModal(null)} />` : null}
  </${Screen}>`;
}
