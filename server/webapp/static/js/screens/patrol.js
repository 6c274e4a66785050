// 巡查: the checklist of the place's sector rendered from /checklists (yes/no/na, number, text, photo_required,
// hazard answers with a description), photos per item, a summary before submit.  The draft keeps the checklist
// version it started with and is saved on every change, so a page killed by the camera comes back where it was.
import { html, useState, useEffect, useRef } from '../ui/html.js';
import * as api from '../api.js';
import * as outbox from '../outbox.js';
import * as store from '../store.js';
import { load } from '../ui/data.js';
import { Page, Cells, Cell, Button, PhotoPicker, SavedResult, Loading, ErrorTips, RiskTag, HazardLevelTag, confirm } from '../ui/widgets.js';
import { LocationBox, useFix } from './checkin.js';
import { toLocation } from '../geo.js';
import { PLACES_PATH } from './places.js';

const YES_NO = [['yes', '是'], ['no', '否'], ['na', '不适用']];

export function makesHazard(item, value) {
  const h = item.hazard;
  if (!h || value === undefined || value === null || value === '' || value === 'na') return false;
  if (typeof h.when === 'string') return value === h.when;
  const n = Number(value);
  return (h.when.lt !== undefined && n < h.when.lt) || (h.when.gt !== undefined && n > h.when.gt);
}

function isRequired(item) { return item.required !== undefined ? item.required : item.answer !== 'text'; }

export function problems(def, answers) {
  const out = [];
  def.items.forEach((item) => {
    const a = answers[item.id] || {};
    const has = a.value !== undefined && a.value !== '';
    if (!has && isRequired(item)) out.push([item, '未作答']);
    if (has && item.answer === 'number') {
      const n = Number(a.value);
      if (!isFinite(n)) out.push([item, '应为数字']);
      else if ((item.min !== undefined && n < item.min) || (item.max !== undefined && n > item.max)) out.push([item, '应在 ' + (item.min !== undefined ? item.min : '') + ' 到 ' + (item.max !== undefined ? item.max : '') + ' 之间']);
    }
    if ((has || isRequired(item)) && item.photo_required && !(a.photos && a.photos.length)) out.push([item, '需要拍照']);
    if (makesHazard(item, a.value) && !item.hazard.text && !(a.note || '').trim()) out.push([item, '请简述存在的问题']);
  });
  return out;
}

export async function loadChecklist(place) {
  const list = (await load('/checklists?sector=' + encodeURIComponent(place.sector))).data;
  if (!list.length) return null;
  const newest = list.reduce((a, b) => (b.version > a.version ? b : a));
  return (await load('/checklists/' + encodeURIComponent(newest.id) + '/versions/' + newest.version)).data;
}

function Item({ item, answer, onChange, placeId }) {
  const a = answer || {};
  const set = (patch) => onChange(Object.assign({}, a, patch));
  const hazard = makesHazard(item, a.value);
  let input;
  if (item.answer === 'yes_no') {
    input = html`<div class="gp-choices" role="radiogroup" aria-label=${item.text}>${YES_NO.map(([v, label]) => html`
      <button type="button" role="radio" aria-checked=${a.value === v ? 'true' : 'false'} class=${'gp-choice' + (a.value === v ? ' gp-on' : '')} onClick=${() => set({ value: v })}>${label}</button>`)}</div>`;
  } else if (item.answer === 'number') {
    input = html`<div class="gp-number"><input class="weui-input" type="number" inputmode="decimal" aria-label=${item.text}
      min=${item.min} max=${item.max} value=${a.value === undefined ? '' : a.value} placeholder="填写数值" onInput=${(e) => set({ value: e.target.value })} />${item.unit ? html`<span>${item.unit}</span>` : null}</div>`;
  } else {
    input = html`<textarea class="weui-textarea" rows="2" aria-label=${item.text} placeholder="填写情况" value=${a.value || ''} onInput=${(e) => set({ value: e.target.value })}></textarea>`;
  }
  return html`<div class=${'gp-item' + (hazard ? ' gp-item-hazard' : '')} data-item=${item.id}>
    <p class="gp-item-text">${item.text}${isRequired(item) ? null : html`<span class="gp-sub"> (选答)</span>`}</p>
    ${input}
    ${hazard ? html`<div class="gp-hazard-note"><p><${HazardLevelTag} level=${item.hazard.level} /> 将登记为隐患: ${item.hazard.category}</p>
      ${item.hazard.text ? html`<p class="gp-sub">${item.hazard.text}</p>` : null}
      <textarea class="weui-textarea" rows="2" aria-label=${'问题描述 ' + item.id} placeholder=${item.hazard.text ? '补充现场情况 (可不填)' : '请简述存在的问题 (必填)'} value=${a.note || ''} onInput=${(e) => set({ note: e.target.value })}></textarea></div>` : null}
    <${PhotoPicker} label=${item.photo_required ? '现场照片' : '照片 (可选)'} required=${item.photo_required} compact=${!item.photo_required} photos=${a.photos || []} max=${9}
      onAdd=${async (file) => { const ref = await outbox.addPhoto(file, { purpose: 'visit', place_id: placeId, claimed_time: new Date().toISOString() }); onChange(Object.assign({}, a, { photos: (a.photos || []).concat([ref]) }), true); }}
      onRemove=${(ref) => { set({ photos: (a.photos || []).filter((x) => x !== ref) }); outbox.discard(ref.slice(3)); }} />
  </div>`;
}

export function Patrol({ args }) {
  const placeId = Number(args[0]);
  const key = 'visit:' + placeId;
  const [place, setPlace] = useState(null);
  const [draft, setDraft] = useState(null);
  const [error, setError] = useState('');
  const [step, setStep] = useState('form');
  const [done, setDone] = useState(null);
  const [fix, busy, relocate] = useFix();
  useEffect(() => {
    let alive = true;
    (async () => {
      try {
        const places = (await load(PLACES_PATH)).data;
        let p = places.find((x) => x.id === placeId);
        if (!p) p = (await load('/places/' + placeId)).data;
        if (!alive) return;
        setPlace(p);
        const saved = await store.getDraft(key);
        if (saved) { setDraft(saved); return; }  // the version it started with, even if a newer one came out
        const def = await loadChecklist(p);
        if (!def) { setError('该行业暂无检查清单'); return; }
        const fresh = { checklist_id: def.id, version: def.version, title: def.title, definition: def.definition, answers: {}, notes: '', startedAt: new Date().toISOString() };
        await store.putDraft(key, fresh);
        if (alive) setDraft(fresh);
      } catch (e) {
        if (alive) setError(e.transient ? api.explain(e) + '; 这部手机上还没有这家场所的检查清单, 请联网后打开一次' : api.explain(e));
      }
    })();
    return () => { alive = false; };
  }, [placeId]);
  const latest = useRef(null);
  latest.current = draft;
  function update(next) { latest.current = next; setDraft(next); store.putDraft(key, next); }
  function setAnswer(id, a) { const d = latest.current; update(Object.assign({}, d, { answers: Object.assign({}, d.answers, { [id]: a }) })); }
  if (done) return html`<${Page} title="巡查"><${SavedResult} item=${done} title="巡查已提交" /></${Page}>`;
  if (error) return html`<${Page} title="巡查"><${ErrorTips} error=${error} /></${Page}>`;
  if (!draft || !place) return html`<${Page} title="巡查"><${Loading} /></${Page}>`;
  const def = draft.definition;
  const issues = problems(def, draft.answers);
  const hazards = def.items.filter((i) => makesHazard(i, (draft.answers[i.id] || {}).value));
  async function submit() {
    if (issues.length) { setStep('summary'); return; }
    const answers = def.items.filter((i) => { const a = draft.answers[i.id]; return a && a.value !== undefined && a.value !== ''; }).map((i) => {
      const a = draft.answers[i.id];
      return { item_id: i.id, value: i.answer === 'number' ? Number(a.value) : a.value, note: a.note || undefined, photo_ids: a.photos || [] };
    });
    const body = { place_id: placeId, checklist_id: draft.checklist_id, checklist_version: draft.version, device_time: new Date().toISOString(), answers: answers, notes: draft.notes || undefined };
    const loc = toLocation(fix);
    if (loc) body.location = loc;
    const item = await outbox.addRecord({ type: 'visit', label: '巡查 ' + place.name, body: body, link: '#/places' });
    await store.deleteDraft(key);
    setDone(item);
  }
  if (step === 'summary') {
    const answered = def.items.filter((i) => { const a = draft.answers[i.id]; return a && a.value !== undefined && a.value !== ''; }).length;
    const nPhotos = Object.keys(draft.answers).reduce((n, k) => n + ((draft.answers[k].photos || []).length), 0);
    return html`<${Page} title="巡查 · 确认提交">
      <${Cells} title=${place.name}>
        <${Cell} label="检查清单" value=${draft.title + ' (第 ' + draft.version + ' 版)'} />
        <${Cell} label="已作答" value=${answered + ' / ' + def.items.length} />
        <${Cell} label="照片" value=${nPhotos + ' 张'} />
        <${Cell} label="发现隐患" value=${hazards.length + ' 项'} />
      </${Cells}>
      ${hazards.length ? html`<${Cells} title="将登记的隐患">${hazards.map((i) => html`<${Cell} key=${i.id} label=${i.hazard.category + ': ' + ((draft.answers[i.id] || {}).note || i.hazard.text || '')} value=${html`<${HazardLevelTag} level=${i.hazard.level} />`} />`)}</${Cells}>` : null}
      ${issues.length ? html`<${Cells} title="还需补充">${issues.map(([i, why]) => html`<${Cell} key=${i.id + why} label=${i.text} value=${why} onClick=${() => setStep('form')} />`)}</${Cells}>` : null}
      <${LocationBox} fix=${fix} busy=${busy} onRelocate=${relocate} />
      <div class="weui-btn-area">
        <${Button} big disabled=${issues.length > 0} onClick=${submit}>提交巡查</${Button}>
        <${Button} kind="default" onClick=${() => setStep('form')}>返回修改</${Button}>
      </div>
    </${Page}>`;
  }
  const sections = [];
  def.items.forEach((i) => { const s = i.section || ''; let g = sections.find((x) => x[0] === s); if (!g) { g = [s, []]; sections.push(g); } g[1].push(i); });
  return html`<${Page} title=${'巡查 · ' + place.name}>
    <div class="gp-place-head"><strong>${place.name}</strong> <${RiskTag} level=${place.risk_level} label=${place.risk_label} /><p class="gp-sub">${draft.title} · 第 ${draft.version} 版 · 草稿自动保存</p></div>
    ${sections.map(([name, list]) => html`<div key=${name}>
      ${name ? html`<div class="weui-cells__title">${name}</div>` : null}
      <div class="weui-cells gp-items">${list.map((i) => html`<${Item} key=${i.id} item=${i} placeId=${placeId} answer=${draft.answers[i.id]}
        onChange=${(a) => setAnswer(i.id, a)} />`)}</div></div>`)}
    <${Cells} title="巡查备注 (可不填)"><div class="weui-cell"><div class="weui-cell__bd"><textarea class="weui-textarea" rows="2" aria-label="巡查备注" value=${draft.notes} onInput=${(e) => update(Object.assign({}, latest.current, { notes: e.target.value }))}></textarea></div></div></${Cells}>
    <div class="weui-btn-area">
      <${Button} big onClick=${() => setStep('summary')}>下一步: 核对</${Button}>
      <${Button} kind="default" onClick=${async () => { if (await confirm('放弃后草稿和已拍照片都会删除。', '放弃这次巡查?', '放弃', '继续巡查')) { await store.deleteDraft(key); location.hash = '#/places'; } }}>放弃</${Button}>
    </div>
  </${Page}>`;
}
