// 宣传: a publicity visit (materials handed out, people reached, a photo) and the grid's coverage this month.
import { html, useState } from '../ui/html.js';
import * as outbox from '../outbox.js';
import { Page, Cells, Cell, Button, PhotoPicker, SavedResult, ErrorTips, Loading, today } from '../ui/widgets.js';
import { useLoad } from '../ui/data.js';
import { usePlaces } from './places.js';
import { LocationBox, useFix, gridOf } from './checkin.js';
import { toLocation } from '../geo.js';

const MATERIALS = ['安全生产宣传单', '消防安全手册', '燃气安全提示', '安全承诺书', '宣传海报'];

export function Publicity({ args, session }) {
  if (args[0]) return html`<${PublicityForm} placeId=${Number(args[0])} />`;
  const grid = gridOf(session);
  const month = today().slice(0, 7);
  const cov = useLoad(grid ? '/publicity/coverage?area_id=' + grid.id + '&from=' + month + '-01&to=' + today() : null);
  const mine = cov.data && cov.data.find((c) => grid && c.area.id === grid.id) || (cov.data && cov.data[0]);
  return html`<${Page} title="宣传">
    <${Cells} title="本月宣传覆盖">
      ${cov.loading ? html`<${Loading} />` : mine ? html`<${Cell} label=${mine.area.name} value=${mine.covered + ' / ' + mine.places + ' 家 (' + Math.round(mine.share * 100) + '%)'} />` : html`<${Cell} label="暂无数据" />`}
    </${Cells}>
    <div class="weui-btn-area"><a class="weui-btn weui-btn_primary gp-main" href="#/places?for=publicity">选择场所, 记录宣传</a></div>
  </${Page}>`;
}

function PublicityForm({ placeId }) {
  const places = usePlaces();
  const place = (places.data || []).find((p) => p.id === placeId);
  const [fix, busy, relocate] = useFix();
  const [materials, setMaterials] = useState([]);
  const [people, setPeople] = useState('');
  const [photos, setPhotos] = useState([]);
  const [notes, setNotes] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState(null);
  if (done) return html`<${Page} title="宣传"><${SavedResult} item=${done} title="宣传已记录" /></${Page}>`;
  async function submit() {
    if (!photos.length) { setError('请拍一张宣传现场照片'); return; }
    const body = { place_id: placeId, device_time: new Date().toISOString(), materials: materials, people_reached: Number(people) || 0, photo_ids: photos, notes: notes || undefined };
    const loc = toLocation(fix);
    if (loc) body.location = loc;
    setDone(await outbox.addRecord({ type: 'publicity', label: '宣传 ' + (place ? place.name : '#' + placeId), body: body }));
  }
  const toggle = (m) => setMaterials(materials.indexOf(m) >= 0 ? materials.filter((x) => x !== m) : materials.concat([m]));
  return html`<${Page} title="宣传">
    <div class="weui-cells__title">${place ? place.name : ''}</div>
    <div class="weui-cells weui-cells_checkbox" role="group" aria-label="宣传材料">${MATERIALS.map((m) => html`
      <label class="weui-cell weui-cell_active weui-check__label" key=${m}>
        <div class="weui-cell__hd"><input type="checkbox" class="weui-check" checked=${materials.indexOf(m) >= 0} onChange=${() => toggle(m)} /><i class="weui-icon-checked"></i></div>
        <div class="weui-cell__bd"><p>${m}</p></div></label>`)}</div>
    <div class="weui-cells weui-cells_form"><label class="weui-cell weui-cell_active"><div class="weui-cell__hd"><span class="weui-label">宣传人数</span></div>
      <div class="weui-cell__bd"><input class="weui-input" type="number" inputmode="numeric" min="0" aria-label="宣传人数" value=${people} onInput=${(e) => setPeople(e.target.value)} /></div></label></div>
    <div class="weui-cells gp-pad"><${PhotoPicker} label="宣传照片" required big photos=${photos} max=${9}
      onAdd=${async (f) => { const ref = await outbox.addPhoto(f, { purpose: 'publicity', place_id: placeId, claimed_time: new Date().toISOString() }); setPhotos((p) => p.concat([ref])); }}
      onRemove=${(ref) => { setPhotos(photos.filter((x) => x !== ref)); outbox.discard(ref.slice(3)); }} /></div>
    <${Cells} title="备注"><div class="weui-cell"><div class="weui-cell__bd"><textarea class="weui-textarea" rows="2" aria-label="宣传备注" value=${notes} onInput=${(e) => setNotes(e.target.value)}></textarea></div></div></${Cells}>
    <${LocationBox} fix=${fix} busy=${busy} onRelocate=${relocate} />
    <${ErrorTips} error=${error} />
    <div class="weui-btn-area"><${Button} big onClick=${submit}>提交宣传记录</${Button}></div>
  </${Page}>`;
}
