// The outbox (待上传): every record and photo is written to IndexedDB first and only then sent.  Photos go up one by
// one as soon as they are taken and their server id is remembered; a record goes up only once its photos have ids,
// through /sync in batches where the API takes it.  Retries reuse the item's client_uuid, so a retry after a lost
// answer is harmless.  Drained on load, on `online`, after any successful request and on a timer with capped
// exponential backoff.  A permanent 4xx becomes 需处理 (fix or discard); a 401 pauses everything until the same
// account logs in again.  Items are removed only when the member discards them; sent ones are kept a week as 已上传.
import * as api from './api.js';
import * as store from './store.js';

export const STATE_LABELS = {
  pending: '待上传', sending: '上传中', failed: '上传失败(将重试)', needs_action: '需处理', sent: '已上传',
};
const SYNC_TYPES = { checkin: 1, visit: 1, publicity: 1, report: 1 };
const SYNC_BATCH = 20;
const BACKOFF_CAP_S = 300;
const TIMER_S = 60;
const SENT_KEEP_MS = 7 * 24 * 3600 * 1000;
export const TUS_THRESHOLD = 1024 * 1024;
export const PHOTO_REF = 'lp-';            // a record names a photo still on the phone as "lp-<uuid>"

let items = [];          // every item of every account on this phone, newest last
let paused = false;      // a 401 paused the queue; the same account must log in again
let draining = false;
let again = false;
let timer = null;
let netFailures = 0;
let started = false;
const subscribers = new Set();

export function subscribe(fn) { subscribers.add(fn); fn(snapshot()); return () => subscribers.delete(fn); }
function notify() {
  const s = snapshot();
  document.body.dataset.outboxWaiting = String(s.waiting);   // readable by anything on the page (and by tests)
  document.body.dataset.outboxNeedsAction = String(s.needsAction);
  subscribers.forEach((fn) => fn(s));
}

function owner() { const s = api.session(); return s ? s.user_id : null; }

export function snapshot() {
  const me = owner();
  const mine = items.filter((i) => i.owner === me);
  const waiting = mine.filter((i) => i.state !== 'sent');
  return {
    items: mine,
    others: items.filter((i) => i.owner !== me && i.state !== 'sent'),
    waiting: waiting.length,
    photosWaiting: waiting.filter((i) => i.kind === 'photo').length,
    recordsWaiting: waiting.filter((i) => i.kind === 'record').length,
    needsAction: waiting.filter((i) => i.state === 'needs_action').length,
    paused: paused,
  };
}
export function pendingCount() { return snapshot().waiting; }
export function find(id) { return items.find((i) => i.id === id); }

async function save(item) {
  item.updatedAt = Date.now();
  await store.putItem(item);
  const at = items.findIndex((i) => i.id === item.id);
  if (at >= 0) items[at] = item; else items.push(item);
  notify();
}

const PHOTO_LABELS = { checkin: '打卡照片', visit: '巡查照片', hazard: '隐患照片', publicity: '宣传照片', rectification: '整改照片' };
function sizeText(n) { return n >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : Math.max(1, Math.round(n / 1024)) + ' KB'; }

// --- adding -------------------------------------------------------------------------------------------------
// addPhoto(file, {purpose, place_id, lat, lng}) → "lp-<uuid>", the reference a record puts in photo_ids.
export async function addPhoto(file, meta) {
  const id = api.uuid();
  await store.putBlob(id, file, file.name);   // the original bytes as the camera made them (EXIF kept)
  await save({
    id: id, owner: owner(), kind: 'photo', type: 'photo', purpose: meta.purpose, meta: meta,
    label: (PHOTO_LABELS[meta.purpose] || '照片') + ' ' + sizeText(file.size), size: file.size, state: 'pending', attempts: 0,
    nextAt: 0, createdAt: Date.now(), serverId: null, uploadUrl: null,
  });
  kick();
  return PHOTO_REF + id;
}

// addRecord({type, label, body, endpoint?}): body.client_uuid is set here once, so every retry carries the same one.
export async function addRecord(rec) {
  const body = Object.assign({}, rec.body);
  if (!body.client_uuid && rec.type !== 'task_complete') body.client_uuid = api.uuid();
  const item = {
    id: body.client_uuid || api.uuid(), owner: owner(), kind: 'record', type: rec.type, label: rec.label,
    body: body, endpoint: rec.endpoint || null, link: rec.link || null, state: 'pending', attempts: 0, nextAt: 0,
    createdAt: Date.now(), photos: photoRefs(body), result: null,
  };
  await save(item);
  kick();
  return item;
}

function photoRefs(value, out) {
  out = out || [];
  if (typeof value === 'string' && value.indexOf(PHOTO_REF) === 0) out.push(value.slice(PHOTO_REF.length));
  else if (Array.isArray(value)) value.forEach((v) => photoRefs(v, out));
  else if (value && typeof value === 'object') Object.keys(value).forEach((k) => photoRefs(value[k], out));
  return out;
}

function withServerIds(value) {
  if (typeof value === 'string' && value.indexOf(PHOTO_REF) === 0) {
    const p = find(value.slice(PHOTO_REF.length));
    return p ? p.serverId : null;
  }
  if (Array.isArray(value)) return value.map(withServerIds).filter((v) => v !== null);
  if (value && typeof value === 'object') {
    const out = {};
    Object.keys(value).forEach((k) => { out[k] = withServerIds(value[k]); });
    return out;
  }
  return value;
}

// --- fixing -------------------------------------------------------------------------------------------------
export async function retry(id) {
  const item = find(id);
  if (!item || item.state === 'sent') return;
  item.state = 'pending'; item.error = null; item.attempts = 0; item.nextAt = 0;
  await save(item);
  kick();
}

// Discarding a photo also takes it out of the records that name it.
export async function discard(id) {
  const item = find(id);
  if (!item) return;
  items = items.filter((i) => i.id !== id);
  await store.deleteItem(id);
  if (item.kind === 'photo') {
    await store.deleteBlob(id);
    for (const rec of items.filter((i) => i.kind === 'record' && i.photos.indexOf(id) >= 0)) {
      rec.body = stripRef(rec.body, PHOTO_REF + id);
      rec.photos = photoRefs(rec.body);
      await save(rec);
    }
  } else {
    for (const pid of item.photos) {
      const used = items.some((i) => i.kind === 'record' && i.photos.indexOf(pid) >= 0);
      const p = find(pid);
      if (p && !used && p.state !== 'sent') await discard(pid);
    }
  }
  notify();
  kick();
}
function stripRef(value, ref) {
  if (Array.isArray(value)) return value.filter((v) => v !== ref).map((v) => stripRef(v, ref));
  if (value && typeof value === 'object') {
    const out = {};
    Object.keys(value).forEach((k) => { out[k] = stripRef(value[k], ref); });
    return out;
  }
  return value;
}

export async function photoURL(ref) {
  const id = ref.indexOf(PHOTO_REF) === 0 ? ref.slice(PHOTO_REF.length) : ref;
  const b = await store.getBlob(id);
  return b ? URL.createObjectURL(b.blob) : null;
}

// --- sending ------------------------------------------------------------------------------------------------
function due(i, now) { return (i.state === 'pending' || i.state === 'failed') && (i.nextAt || 0) <= now; }
function backoffMs(attempts) { return Math.min(Math.pow(2, attempts) - 1, BACKOFF_CAP_S) * 1000; }

async function failed(item, e) {
  if (e.status === 401) {
    paused = true;
    item.state = 'pending';
  } else if (e.transient) {
    item.attempts = (item.attempts || 0) + 1;
    item.state = 'failed';
    item.nextAt = Date.now() + backoffMs(item.attempts);
    item.error = { code: e.code, message: api.explain(e) };
  } else {
    item.state = 'needs_action';
    item.error = { code: e.code, message: api.explain(e), status: e.status };
  }
  await save(item);
}

async function sent(item, result) {
  item.state = 'sent';
  item.sentAt = Date.now();
  item.error = null;
  if (item.kind === 'photo') item.serverId = result.id;
  else item.result = result;
  await save(item);
  if (item.kind === 'record') await forgetBlobs(item);
}

// A photo's bytes leave the phone once the photo is on the server and every record naming it is sent.
async function forgetBlobs(record) {
  for (const pid of record.photos) {
    const p = find(pid);
    const stillNeeded = items.some((i) => i.kind === 'record' && i.state !== 'sent' && i.photos.indexOf(pid) >= 0);
    if (p && p.state === 'sent' && !stillNeeded) await store.deleteBlob(pid);
  }
}

function b64(text) { return btoa(unescape(encodeURIComponent(String(text)))); }

function photoFields(item, blob) {
  const m = item.meta || {};
  const f = [['client_uuid', item.id], ['purpose', item.purpose], ['filename', blob.name || 'photo.jpg']];
  if (m.claimed_time) f.push(['claimed_time', m.claimed_time]);
  if (m.lat != null && m.lng != null) f.push(['lat', m.lat], ['lng', m.lng], ['coord_system', 'wgs84']);
  if (m.place_id) f.push(['place_id', m.place_id]);
  return f;
}

function sendTimeout(bytes) { return 30000 + Math.ceil(bytes / 25); }  // ≥ 25 KB/s: a weak 3G link, with room

// tus 1.0 (/api/v1/uploads): a photo cut off at 90% resumes at 90%.  The upload's URL is kept on the item, so a
// retry (even after the page was killed) asks the server where it stands and sends only the rest.
async function uploadResumable(item, blob) {
  const tus = { 'Tus-Resumable': '1.0.0' };
  const size = blob.blob.size;
  let offset = 0;
  if (item.uploadUrl) {
    try {
      const head = await api.exchange('HEAD', item.uploadUrl, { headers: tus, asUser: item.owner, timeout: 20000 });
      if (head.headers.get('Upload-Photo-Id')) return { id: head.headers.get('Upload-Photo-Id') };
      offset = Number(head.headers.get('Upload-Offset') || 0);
    } catch (e) {
      if (e.status !== 404 && e.status !== 410) throw e;
      item.uploadUrl = null;   // expired or swept: start again
    }
  }
  if (!item.uploadUrl) {
    const made = await api.exchange('POST', '/uploads', {
      headers: Object.assign({ 'Upload-Length': String(size), 'Upload-Metadata': photoFields(item, blob).map((kv) => kv[0] + ' ' + b64(kv[1])).join(',') }, tus),
      asUser: item.owner, timeout: 20000,
    });
    if (made.headers.get('Upload-Photo-Id')) return { id: made.headers.get('Upload-Photo-Id') };
    item.uploadUrl = made.headers.get('Location');
    offset = Number(made.headers.get('Upload-Offset') || 0);
    await save(item);
  }
  for (let round = 0; round < 3; round++) {
    try {
      const done = await api.exchange('PATCH', item.uploadUrl, {
        headers: Object.assign({ 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' }, tus),
        body: blob.blob.slice(offset), asUser: item.owner, timeout: sendTimeout(size - offset),
      });
      const id = done.headers.get('Upload-Photo-Id');
      if (id) return { id: id };
      offset = Number(done.headers.get('Upload-Offset') || offset);
    } catch (e) {
      if (e.status !== 409 || !e.detail || e.detail.offset === undefined) throw e;
      offset = Number(e.detail.offset);   // the server has more (or less) than we thought: go on from there
    }
  }
  throw new api.ApiError(0, 'upload_incomplete', '照片未传完, 稍后自动续传');
}

async function uploadPhoto(item) {
  const blob = await store.getBlob(item.id);
  if (!blob) throw new api.ApiError(410, 'photo_missing', '照片文件已不在手机上, 请放弃这张照片后重拍');
  if (blob.blob.size > TUS_THRESHOLD) return uploadResumable(item, blob);
  const form = new FormData();
  form.append('client_uuid', item.id);
  form.append('purpose', item.purpose);
  const m = item.meta || {};
  if (m.claimed_time) form.append('claimed_time', m.claimed_time);
  if (m.lat != null && m.lng != null) { form.append('lat', String(m.lat)); form.append('lng', String(m.lng)); form.append('coord_system', 'wgs84'); }
  if (m.place_id) form.append('place_id', String(m.place_id));
  form.append('file', blob.blob, blob.name || 'photo.jpg');
  return api.request('POST', '/photos', { body: form, timeout: sendTimeout(blob.blob.size), asUser: item.owner });
}

async function sendPhotos(me) {
  for (const item of items.filter((i) => i.owner === me && i.kind === 'photo' && due(i, Date.now()))) {
    if (paused) return false;
    item.state = 'sending';
    await save(item);
    try {
      await sent(item, await uploadPhoto(item));
      netFailures = 0;
    } catch (e) {
      await failed(item, e);
      if (e.transient || e.status === 401) return false;  // the link is down: do not try every photo now
    }
  }
  return true;
}

function ready(rec) {
  return rec.photos.every((pid) => { const p = find(pid); return !p || p.serverId; })
    && !rec.photos.some((pid) => { const p = find(pid); return p && p.state === 'needs_action'; });
}

async function sendRecords(me) {
  const todo = items.filter((i) => i.owner === me && i.kind === 'record' && due(i, Date.now()) && ready(i));
  const batchable = todo.filter((i) => SYNC_TYPES[i.type]);
  for (let k = 0; k < batchable.length; k += SYNC_BATCH) {
    if (paused) return false;
    const batch = batchable.slice(k, k + SYNC_BATCH);
    for (const i of batch) { i.state = 'sending'; await save(i); }
    let answer;
    try {
      answer = await api.request('POST', '/sync', {
        json: { items: batch.map((i) => ({ type: i.type, data: withServerIds(i.body) })) }, asUser: me,
      });
    } catch (e) {
      for (const i of batch) await failed(i, e);
      if (e.transient || e.status === 401) return false;
      continue;
    }
    for (const r of answer.results) {
      const i = batch[r.index];
      if (r.status === 'error') {
        i.state = 'needs_action';
        i.error = { code: r.error.code, message: api.explain(new api.ApiError(422, r.error.code, r.error.message, r.error.detail)) };
        await save(i);
      } else {
        await sent(i, { id: r.id, status: r.status });
      }
    }
  }
  for (const i of todo.filter((x) => !SYNC_TYPES[x.type])) {
    if (paused) return false;
    i.state = 'sending';
    await save(i);
    try {
      const data = await api.request(i.endpoint.method || 'POST', i.endpoint.path, { json: withServerIds(i.body), asUser: me });
      await sent(i, { id: data && data.id, status: 'created' });
    } catch (e) {
      await failed(i, e);
      if (e.transient || e.status === 401) return false;
    }
  }
  return true;
}

export async function drain() {
  if (draining) { again = true; return; }
  const me = owner();
  const s = api.session();
  if (me === null || paused || !s || (!s.access_token && !s.refresh_token)) return;
  draining = true;
  try {
    do {
      again = false;
      const ok = (await sendPhotos(me)) && (await sendRecords(me));
      if (!ok) { netFailures += 1; break; }
    } while (again || items.some((i) => i.owner === me && due(i, Date.now()) && (i.kind === 'photo' || ready(i))));
  } finally {
    draining = false;
    schedule();
  }
}

function schedule() {
  clearTimeout(timer);
  const me = owner();
  const waiting = items.filter((i) => i.owner === me && (i.state === 'pending' || i.state === 'failed'));
  if (!waiting.length || paused) return;
  const next = Math.min.apply(null, waiting.map((i) => i.nextAt || 0));
  const floor = netFailures ? backoffMs(netFailures) : 0;
  const wait = Math.min(Math.max(next - Date.now(), floor, 1000), TIMER_S * 1000);
  timer = setTimeout(drain, wait);
}

function kick() { setTimeout(drain, 0); }

// After any successful request the server is reachable again: whatever waits for a retry goes now.
function wakeUp() {
  let changed = false;
  const me = owner();
  items.forEach((i) => { if (i.owner === me && i.state === 'failed' && i.nextAt > Date.now()) { i.nextAt = 0; changed = true; } });
  netFailures = 0;
  if (changed || items.some((i) => i.owner === me && due(i, Date.now()))) kick();
}

export function resume() { paused = false; notify(); kick(); }

export async function start() {
  if (started) return;
  started = true;
  items = (await store.allItems()).sort((a, b) => a.createdAt - b.createdAt);
  const old = Date.now() - SENT_KEEP_MS;
  for (const i of items) {
    if (i.state === 'sending') { i.state = 'pending'; await store.putItem(i); }  // the page died mid-send
  }
  for (const i of items.filter((x) => x.state === 'sent' && x.sentAt < old)) {
    await store.deleteItem(i.id);
  }
  items = items.filter((x) => !(x.state === 'sent' && x.sentAt < old));
  api.on('success', (path) => { if (path !== '/sync' && path !== '/photos') wakeUp(); });
  api.on('authRequired', () => { paused = true; notify(); });
  api.on('tokens', (s) => { if (s && s.access_token) { paused = false; } notify(); kick(); });
  window.addEventListener('online', () => { netFailures = 0; wakeUp(); kick(); });
  notify();
  kick();
}
