// 随手拍: a hazard seen anywhere in the grid, outside a checklist: photo, place or location, category, description.
import { html, useState, useEffect } from '../ui/html.js';
import * as outbox from '../outbox.js';
import * as store from '../store.js';
import { Page, Cells, Button, PhotoPicker, SavedResult, ErrorTips } from '../ui/widgets.js';
import { usePlaces } from './places.js';
import { LocationBox, useFix } from './checkin.js';
import { toLocation } from '../geo.js';

export const SECTORS = [['fire', '消防'], ['town_gas', '城镇燃气'], ['self_built_houses', '自建房'], ['rental_housing', '出租房'],
  ['hazardous_chemicals', '危险化学品'], ['fireworks', '烟花爆竹'], ['industry_trade', '工贸'], ['construction', '建筑施工'], ['road_traffic', '道路交通']];
const CATEGORIES = ['消防设施器材', '疏散通道', '电气线路', '燃气使用', '房屋结构', '危化品储存', '其他'];

export function Snap({ args }) {
  const places = usePlaces();
  const [fix, busy, relocate] = useFix();
  const [d, setD] = useState({ photos: [], place_id: args[0] ? Number(args[0]) : '', category: '', description: '', level: 'general', sector: 'fire' });
  const [error, setError] = useState('');
  const [done, setDone] = useState(null);
  useEffect(() => { store.getDraft('snap').then((x) => { if (x) setD(x); }); }, []);
  const set = (patch) => setD((cur) => { const next = Object.assign({}, cur, patch); store.putDraft('snap', next); return next; });
  if (done) return html`<${Page} title="随手拍"><${SavedResult} item=${done} title="隐患已上报" /></${Page}>`;
  async function submit() {
    if (!d.photos.length) { setError('请至少拍一张照片'); return; }
    if (!d.category.trim() || !d.description.trim()) { setError('请选择类别并描述问题'); return; }
    const loc = toLocation(fix);
    if (!d.place_id && !loc) { setError('请选择场所, 或定位后再上报'); return; }
    const body = { category: d.category.trim(), description: d.description.trim(), level: d.level, photo_ids: d.photos, found_at: new Date().toISOString() };
    if (d.place_id) body.place_id = Number(d.place_id); else body.sector = d.sector;
    if (loc) body.location = loc;
    const item = await outbox.addRecord({ type: 'hazard', label: '随手拍 ' + body.category, endpoint: { method: 'POST', path: '/hazards' }, body: body });
    await store.deleteDraft('snap');
    setDone(item);
  }
  return html`<${Page} title="随手拍">
    <div class="weui-cells gp-pad"><${PhotoPicker} label="隐患照片" required big photos=${d.photos} max=${9}
      onAdd=${async (f) => { const ref = await outbox.addPhoto(f, { purpose: 'hazard', claimed_time: new Date().toISOString(), lat: fix && fix.lat, lng: fix && fix.lng }); setD((cur) => { const next = Object.assign({}, cur, { photos: cur.photos.concat([ref]) }); store.putDraft('snap', next); return next; }); }}
      onRemove=${(ref) => { set({ photos: d.photos.filter((x) => x !== ref) }); outbox.discard(ref.slice(3)); }} /></div>
    <div class="weui-cells weui-cells_form">
      <label class="weui-cell weui-cell_active weui-cell_select weui-cell_select-after"><div class="weui-cell__hd"><span class="weui-label">场所</span></div>
        <div class="weui-cell__bd"><select class="weui-select" aria-label="场所" value=${d.place_id} onChange=${(e) => set({ place_id: e.target.value })}>
          <option value="">不在场所, 按当前位置</option>${(places.data || []).map((p) => html`<option value=${p.id}>${p.name}</option>`)}</select></div></label>
      ${d.place_id ? null : html`<label class="weui-cell weui-cell_active weui-cell_select weui-cell_select-after"><div class="weui-cell__hd"><span class="weui-label">行业</span></div>
        <div class="weui-cell__bd"><select class="weui-select" aria-label="行业" value=${d.sector} onChange=${(e) => set({ sector: e.target.value })}>${SECTORS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></div></label>`}
      <label class="weui-cell weui-cell_active weui-cell_select weui-cell_select-after"><div class="weui-cell__hd"><span class="weui-label">类别</span></div>
        <div class="weui-cell__bd"><select class="weui-select" aria-label="类别" value=${d.category} onChange=${(e) => set({ category: e.target.value })}><option value="">请选择</option>${CATEGORIES.map((c) => html`<option value=${c}>${c}</option>`)}</select></div></label>
      <label class="weui-cell weui-cell_active weui-cell_select weui-cell_select-after"><div class="weui-cell__hd"><span class="weui-label">等级</span></div>
        <div class="weui-cell__bd"><select class="weui-select" aria-label="等级" value=${d.level} onChange=${(e) => set({ level: e.target.value })}><option value="general">一般隐患</option><option value="major">重大隐患</option></select></div></label>
    </div>
    <${Cells} title="问题描述"><div class="weui-cell"><div class="weui-cell__bd"><textarea class="weui-textarea" rows="3" aria-label="问题描述" placeholder="看到了什么问题, 在哪里" value=${d.description} onInput=${(e) => set({ description: e.target.value })}></textarea></div></div></${Cells}>
    <${LocationBox} fix=${fix} busy=${busy} onRelocate=${relocate} />
    <${ErrorTips} error=${error} />
    <div class="weui-btn-area"><${Button} big onClick=${submit}>提交</${Button}></div>
  </${Page}>`;
}
