// 进岗打卡: camera first (original bytes, EXIF kept), GPS with its accuracy and 重新定位, a warning outside the grid
// (the server keeps and flags it), and a clear word when there is no position.
import { html, useState, useEffect } from '../ui/html.js';
import * as outbox from '../outbox.js';
import * as store from '../store.js';
import { Page, Cells, Button, PhotoPicker, SavedResult, ErrorTips } from '../ui/widgets.js';
import { useLoad } from '../ui/data.js';
import { locate, toLocation, inside } from '../geo.js';

export function LocationBox({ fix, onRelocate, boundary, busy }) {
  let status;
  if (busy) status = html`<span>正在定位…</span>`;
  else if (!fix) status = html`<span>未定位</span>`;
  else if (fix.error) status = html`<span class="gp-warn" role="alert">${fix.error}</span>`;
  else status = html`<span data-testid="gps-accuracy">已定位, 精度约 ${fix.accuracy} 米</span>`;
  const out = fix && !fix.error && boundary ? inside(boundary, fix.lat, fix.lng) === false : false;
  return html`<div class="weui-cells"><div class="weui-cell">
      <div class="weui-cell__bd"><p>位置</p><p class="gp-sub">${status}</p>
        ${out ? html`<p class="gp-warn" role="alert">您不在本网格范围内。可以继续打卡, 记录会标注为网格外。</p>` : null}</div>
      <div class="weui-cell__ft"><button type="button" class="weui-btn weui-btn_mini weui-btn_default" disabled=${busy} onClick=${onRelocate}>重新定位</button></div>
    </div></div>`;
}

export function useFix() {
  const [fix, setFix] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = () => { setBusy(true); locate().then((f) => { setFix(f); setBusy(false); }); };
  useEffect(run, []);
  return [fix, busy, run];
}

export function gridOf(session) {
  const areas = (session.user && session.user.areas) || [];
  return areas.find((a) => a.level === 'grid') || areas[0] || null;
}

export function CheckIn({ session }) {
  const grid = gridOf(session);
  const area = useLoad(grid ? '/areas/' + grid.id : null);
  const [fix, busy, relocate] = useFix();
  const [photos, setPhotos] = useState([]);
  const [note, setNote] = useState('');
  const [done, setDone] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => { store.getDraft('checkin').then((d) => { if (d) { setPhotos(d.photos || []); setNote(d.note || ''); } }); }, []);
  const keep = (p, n) => store.putDraft('checkin', { photos: p, note: n });
  async function add(file) {
    const ref = await outbox.addPhoto(file, { purpose: 'checkin', claimed_time: new Date().toISOString(), lat: fix && fix.lat, lng: fix && fix.lng });
    const next = photos.concat([ref]);
    setPhotos(next); keep(next, note);
  }
  async function submit() {
    if (!photos.length) { setError('请先拍一张在岗照片'); return; }
    const body = { device_time: new Date().toISOString(), photo_ids: photos, note: note || undefined };
    const loc = toLocation(fix);
    if (loc) body.location = loc;
    if (grid) body.grid_id = grid.id;
    const item = await outbox.addRecord({ type: 'checkin', label: '进岗打卡', body: body });
    await store.deleteDraft('checkin');
    setDone(item);
  }
  if (done) return html`<${Page} title="进岗打卡"><${SavedResult} item=${done} title="打卡成功" /></${Page}>`;
  return html`<${Page} title="进岗打卡">
    <div class="weui-cells__title">在岗照片 (${grid ? grid.name : '未分配网格'})</div>
    <div class="weui-cells gp-pad"><${PhotoPicker} label="在岗照片" photos=${photos} max=${9} required big onAdd=${add}
      onRemove=${(ref) => { const next = photos.filter((x) => x !== ref); setPhotos(next); keep(next, note); outbox.discard(ref.slice(3)); }} /></div>
    <${LocationBox} fix=${fix} busy=${busy} onRelocate=${relocate} boundary=${area.data && area.data.boundary} />
    <${Cells} title="备注 (可不填)">
      <div class="weui-cell"><div class="weui-cell__bd"><input class="weui-input" aria-label="备注" placeholder="如: 今日在东溪村巡查" value=${note} onInput=${(e) => { setNote(e.target.value); keep(photos, e.target.value); }} /></div></div>
    </${Cells}>
    <${ErrorTips} error=${error} />
    <div class="weui-btn-area"><${Button} big onClick=${submit}>打卡</${Button}></div>
  </${Page}>`;
}
