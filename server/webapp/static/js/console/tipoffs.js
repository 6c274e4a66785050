// 举报处置: the triage queue by township; route, merge (a nearby tip-off or hazard, nearest first), convert into a
// hazard (choosing the place, nearest first), reject with a reason the tipster reads, answer; the county's rewards
// ledger with phone reveal (a reason, audited), mark paid, XLSX.  Tipsters' text is shown exactly as typed.
import { html, useState, useEffect } from '../ui/html.js';
import * as api from '../api.js';
import {
  Screen, Btn, Select, Input, TextArea, Filters, Loading, Err, Empty, Chip, Pager, Modal, useFetch, getPage, query,
  fmtDateTime, localDay, download, useBusy, lookup, forget,
} from './common.js';
import { getAll } from './review.js';
import { metres, fmtMetres } from './minimap.js';
import { SECTORS } from '../screens/snap.js';

const STATUSES = [['received', '待分拣'], ['converted', '已转为隐患'], ['merged', '已合并'], ['rejected', '不予受理']];

export function Tipoffs({ args, user }) {
  if (args[0] === 'rewards') return html`<${Rewards} user=${user} />`;
  if (args[0]) return html`<${TipoffPage} id=${args[0]} user=${user} />`;
  return html`<${Queue} user=${user} />`;
}

function Queue({ user }) {
  const [f, setF] = useState({ status: 'received', area_id: '', start: '', end: '' });
  const [page, setPage] = useState(1);
  const townships = useFetch(user.role === 'county_admin' ? '/areas?level=township&page_size=100' : null);
  const list = useFetch('/tipoffs' + query(Object.assign({}, f, { page: page, page_size: 20 })), getPage);
  const set = (k) => (v) => { setF(Object.assign({}, f, { [k]: v })); setPage(1); };
  const r = list.data;
  return html`<${Screen} title="举报处置" actions=${user.role === 'county_admin' ? html`<a class="gc-btn gc-btn-default" href="#/tipoffs/rewards">奖励台账</a>` : null}>
    <${Filters}>
      <${Select} label="状态" value=${f.status} onChange=${set('status')} options=${STATUSES} />
      ${townships.data ? html`<${Select} label="乡镇" value=${f.area_id} onChange=${set('area_id')} options=${townships.data.map((t) => [t.id, t.name])} />` : null}
      <${Input} label="开始日期" type="date" value=${f.start} onInput=${set('start')} />
      <${Input} label="结束日期" type="date" value=${f.end} onInput=${set('end')} />
    </${Filters}>
    <${Err} error=${list.error} onRetry=${list.reload} />
    ${list.loading && !r ? html`<${Loading} />` : null}
    ${r && !r.items.length ? html`<${Empty} text="没有举报" />` : null}
    ${r && r.items.length ? html`<div class="gc-table-wrap"><table class="gc-table">
      <thead><tr><th>收到时间</th><th>类别</th><th>描述</th><th>地址</th><th>举报人</th><th>所在</th><th>状态</th></tr></thead>
      <tbody>${r.items.map((t) => html`<tr>
        <td><a href=${'#/tipoffs/' + t.id}>${fmtDateTime(t.received_at)}</a></td><td>${t.category_label}</td>
        <td><a href=${'#/tipoffs/' + t.id} class="gc-clip gc-user-text">${t.description || '(无描述)'}</a></td>
        <td class="gc-user-text">${t.address || ''}</td><td class="gc-user-text">${t.name || '匿名'}${t.tipster_tipoffs > 1 ? html` <${Chip} tone="orange">同号码 ${t.tipster_tipoffs} 条</${Chip}>` : null}</td>
        <td>${t.area ? t.area.name : ''}</td><td><${Chip} tone=${t.status === 'received' ? 'orange' : 'grey'}>${t.status_label}</${Chip}></td></tr>`)}</tbody></table></div>` : null}
    ${r ? html`<${Pager} page=${page} pages=${r.pages} total=${r.total} onPage=${setPage} />` : null}
  </${Screen}>`;
}

function Photo({ id }) {
  const [p, setP] = useState(null);
  useEffect(() => { lookup('photos', id).then(setP); }, [id]);
  return html`<a class="gc-thumb gc-thumb-big" href=${p ? p.display_url : '#'} target="_blank" rel="noopener">${p ? html`<img src=${p.thumbnail_url} alt="举报照片" />` : '…'}</a>`;
}

function TipoffPage({ id, user }) {
  const t = useFetch('/tipoffs/' + encodeURIComponent(id));
  const [dialog, setDialog] = useState(null);
  const busy = useBusy();
  if (t.error) return html`<${Screen} title="举报"><${Err} error=${t.error} /><a href="#/tipoffs">返回</a></${Screen}>`;
  if (!t.data) return html`<${Screen} title="举报"><${Loading} /></${Screen}>`;
  const d = t.data;
  const open = d.status === 'received';
  async function act(action, body) {
    const out = await busy.run(() => api.post('/tipoffs/' + d.id + '/' + action, body));
    if (out) { setDialog(null); forget('tipoffs', d.id); t.reload(); }
    return out;
  }
  return html`<${Screen} title=${'举报 ' + d.tracking_code} actions=${html`<a class="gc-btn gc-btn-default" href="#/tipoffs">返回队列</a>`}>
    <div class="gc-hazard-head"><${Chip} tone=${open ? 'orange' : 'grey'}>${d.status_label}</${Chip}> <span class="gc-muted">举报人看到: ${d.public_status_label}</span></div>
    <h2 class="gc-user-text" data-testid="tipoff-description">${d.description || '(无描述)'}</h2>
    <dl class="gc-facts gc-facts-wide">
      <dt>类别</dt><dd>${d.category_label}</dd>
      <dt>地址</dt><dd class="gc-user-text" data-testid="tipoff-address">${d.address || '—'}</dd>
      <dt>位置</dt><dd>${d.location ? d.location.lat.toFixed(5) + ', ' + d.location.lng.toFixed(5) : '—'}</dd>
      <dt>举报人</dt><dd class="gc-user-text" data-testid="tipoff-name">${d.name || '匿名'} ${d.phone || ''}</dd>
      <dt>收到时间</dt><dd>${fmtDateTime(d.received_at)} (${d.channel})</dd>
      <dt>所在</dt><dd>${d.area ? d.area.name : '—'}${d.township ? ' · ' + d.township.name : ''}</dd>
      ${d.hazard_id ? html`<dt>已转为隐患</dt><dd><a href=${'#/hazards/' + d.hazard_id}>隐患 #${d.hazard_id}</a></dd>` : null}
      ${d.merged_into_hazard_id ? html`<dt>合并到</dt><dd><a href=${'#/hazards/' + d.merged_into_hazard_id}>隐患 #${d.merged_into_hazard_id}</a></dd>` : null}
      ${d.merged_into_tipoff_id ? html`<dt>合并到</dt><dd><a href=${'#/tipoffs/' + d.merged_into_tipoff_id}>举报 #${d.merged_into_tipoff_id}</a></dd>` : null}
      ${d.public_answer ? html`<dt>公开答复</dt><dd class="gc-user-text">${d.public_answer}</dd>` : null}
      ${d.reward ? html`<dt>奖励</dt><dd>${d.reward.decision_label || d.reward.decision} ${d.reward.amount !== null && d.reward.amount !== undefined ? d.reward.amount + ' 元' : ''}${d.reward.paid_on ? ' · 已于 ' + d.reward.paid_on + ' 发放' : ''}</dd>` : null}
    </dl>
    <div class="gc-pair">${(d.photo_ids || []).map((p) => html`<${Photo} key=${p} id=${p} />`)}</div>
    <section class="gc-steps-bar" aria-label="处置">
      ${open ? html`<${Btn} onClick=${() => setDialog('route')}>分派</${Btn}>
        <${Btn} onClick=${() => setDialog('merge')}>合并</${Btn}>
        <${Btn} kind="primary" onClick=${() => setDialog('convert')}>转为隐患</${Btn}>
        <${Btn} kind="warn" onClick=${() => setDialog('reject')}>不予受理</${Btn}>` : null}
      <${Btn} onClick=${() => setDialog('answer')}>公开答复</${Btn}>
      ${user.role === 'county_admin' && d.status === 'converted' && !d.reward ? html`<${Btn} onClick=${() => setDialog('reward')}>决定奖励</${Btn}>` : null}
    </section>
    <${Err} error=${busy.error} />
    ${dialog === 'route' ? html`<${RouteDialog} busy=${busy} onCancel=${() => setDialog(null)} onSubmit=${(b) => act('route', b)} />` : null}
    ${dialog === 'merge' ? html`<${MergeDialog} tipoff=${d} busy=${busy} onCancel=${() => setDialog(null)} onSubmit=${(b) => act('merge', b)} />` : null}
    ${dialog === 'convert' ? html`<${ConvertDialog} tipoff=${d} busy=${busy} onCancel=${() => setDialog(null)} onSubmit=${(b) => act('convert', b)} />` : null}
    ${dialog === 'reject' ? html`<${TextDialog} title="不予受理" label="原因 (举报人可见)" busy=${busy} onCancel=${() => setDialog(null)} onSubmit=${(v) => act('reject', { reason: v })} />` : null}
    ${dialog === 'answer' ? html`<${TextDialog} title="公开答复" label="答复内容 (举报人可见)" initial=${d.public_answer} busy=${busy} onCancel=${() => setDialog(null)} onSubmit=${(v) => act('answer', { public_answer: v })} />` : null}
    ${dialog === 'reward' ? html`<${RewardDialog} busy=${busy} onCancel=${() => setDialog(null)} onSubmit=${(b) => act('reward', b)} />` : null}
  </${Screen}>`;
}

function Actions({ busy, onCancel, disabled }) {
  return html`<${Err} error=${busy.error} /><div class="gc-modal-actions"><${Btn} onClick=${onCancel}>取消</${Btn}><${Btn} kind="primary" type="submit" disabled=${busy.busy || disabled}>确定</${Btn}></div>`;
}

function TextDialog({ title, label, initial, busy, onCancel, onSubmit }) {
  const [v, setV] = useState(initial || '');
  return html`<${Modal} title=${title} onClose=${onCancel}><form class="gc-form" onSubmit=${(e) => { e.preventDefault(); onSubmit(v.trim()); }}>
    <${TextArea} label=${label} value=${v} onInput=${setV} /><${Actions} busy=${busy} onCancel=${onCancel} disabled=${!v.trim()} /></form></${Modal}>`;
}

function RouteDialog({ busy, onCancel, onSubmit }) {
  const areas = useFetch('route-areas', async () => (await getAll('/areas?level=township')).concat(await getAll('/areas?level=grid')));
  const [area, setArea] = useState('');
  return html`<${Modal} title="分派到乡镇或网格" onClose=${onCancel}><form class="gc-form" onSubmit=${(e) => { e.preventDefault(); onSubmit({ area_id: Number(area) }); }}>
    <${Select} label="分派到" value=${area} onChange=${setArea} empty="请选择" options=${(areas.data || []).map((a) => [a.id, (a.level === 'township' ? '乡镇: ' : '网格: ') + a.name])} />
    <${Actions} busy=${busy} onCancel=${onCancel} disabled=${!area} /></form></${Modal}>`;
}

// Candidates nearest first: open tip-offs and open hazards of my scope with a point.
function MergeDialog({ tipoff, busy, onCancel, onSubmit }) {
  const [pick, setPick] = useState('');
  const [answer, setAnswer] = useState('');
  const c = useFetch('merge-' + tipoff.id, async () => {
    const others = (await getAll('/tipoffs?status=received')).filter((x) => x.id !== tipoff.id)
      .map((x) => ({ key: 't' + x.id, label: '举报 ' + x.tracking_code + ' ' + (x.description || ''), at: x.location, body: { into_tipoff_id: x.id } }));
    const hz = await getPage('/hazards?status=reported&status=ordered&status=rectified&page_size=50' + (tipoff.township ? '&area_id=' + tipoff.township.id : ''));
    const details = await Promise.all(hz.items.map((h) => lookup('hazards', h.id)));
    const hazards = details.filter(Boolean).map((h) => ({ key: 'h' + h.id, label: '隐患 #' + h.id + ' ' + h.category + ' ' + (h.place ? h.place.name : ''), at: h.location, body: { into_hazard_id: h.id } }));
    return others.concat(hazards).map((x) => Object.assign(x, { d: metres(tipoff.location, x.at) }))
      .sort((a, b) => (a.d === null ? 1e12 : a.d) - (b.d === null ? 1e12 : b.d));
  });
  const chosen = (c.data || []).find((x) => x.key === pick);
  return html`<${Modal} title="合并到附近的举报或隐患" onClose=${onCancel} wide=${true}><form class="gc-form" onSubmit=${(e) => { e.preventDefault(); onSubmit(Object.assign({}, chosen.body, answer.trim() ? { public_answer: answer.trim() } : {})); }}>
    ${c.loading ? html`<${Loading} />` : null}
    <ul class="gc-pick" role="radiogroup" aria-label="合并到">${(c.data || []).slice(0, 30).map((x) => html`<li><label class="gc-radio">
      <input type="radio" name="into" checked=${pick === x.key} onChange=${() => setPick(x.key)} />
      <span class="gc-user-text">${x.label}</span> <span class="gc-muted">${x.d === null ? '无位置' : fmtMetres(x.d)}</span></label></li>`)}</ul>
    ${c.data && !c.data.length ? html`<${Empty} text="附近没有可合并的举报或隐患" />` : null}
    <${TextArea} label="公开答复 (可选)" value=${answer} onInput=${setAnswer} rows=${2} />
    <${Actions} busy=${busy} onCancel=${onCancel} disabled=${!chosen} /></form></${Modal}>`;
}

function ConvertDialog({ tipoff, busy, onCancel, onSubmit }) {
  const [q, setQ] = useState('');
  const [place, setPlace] = useState('');
  const [v, setV] = useState({ level: 'general', category: tipoff.category_label || '', description: tipoff.description || '', sector: '', public_answer: '' });
  const set = (k) => (x) => setV(Object.assign({}, v, { [k]: x }));
  const places = useFetch('/places' + query({ q: q, area_id: tipoff.township ? tipoff.township.id : '', page_size: 50 }));
  const sorted = (places.data || []).map((p) => Object.assign({ d: metres(tipoff.location, p.lat === null ? null : { lat: p.lat, lng: p.lng }) }, p))
    .sort((a, b) => (a.d === null ? 1e12 : a.d) - (b.d === null ? 1e12 : b.d));
  function submit(e) {
    e.preventDefault();
    const body = { level: v.level };
    if (place) body.place_id = Number(place);
    ['category', 'description', 'sector', 'public_answer'].forEach((k) => { if (v[k] && v[k].trim()) body[k] = v[k].trim(); });
    onSubmit(body);
  }
  return html`<${Modal} title="转为隐患" onClose=${onCancel} wide=${true}><form class="gc-form" onSubmit=${submit}>
    <${Input} label="搜索场所" value=${q} onInput=${setQ} placeholder="名称或信用代码" />
    <ul class="gc-pick" role="radiogroup" aria-label="场所">${sorted.slice(0, 20).map((p) => html`<li><label class="gc-radio">
      <input type="radio" name="place" checked=${place === String(p.id)} onChange=${() => setPlace(String(p.id))} />
      <span>${p.name}</span> <span class="gc-muted">${p.address || ''} · ${p.area ? p.area.name : ''} · ${p.d === null ? '无位置' : fmtMetres(p.d)}</span></label></li>`)}</ul>
    <div class="gc-form-row">
      <${Select} label="隐患等级" value=${v.level} empty=${false} onChange=${set('level')} options=${[['general', '一般隐患'], ['major', '重大事故隐患']]} />
      <${Select} label="行业" value=${v.sector} onChange=${set('sector')} empty="按场所" options=${SECTORS} />
      <${Input} label="隐患类别" value=${v.category} onInput=${set('category')} />
    </div>
    <${TextArea} label="隐患描述" value=${v.description} onInput=${set('description')} />
    <${TextArea} label="公开答复 (可选)" value=${v.public_answer} onInput=${set('public_answer')} rows=${2} />
    <${Actions} busy=${busy} onCancel=${onCancel} disabled=${!place && !tipoff.location} /></form></${Modal}>`;
}

function RewardDialog({ busy, onCancel, onSubmit }) {
  const [v, setV] = useState({ decision: 'approved', amount: '200', note: '' });
  const set = (k) => (x) => setV(Object.assign({}, v, { [k]: x }));
  return html`<${Modal} title="决定举报奖励" onClose=${onCancel}><form class="gc-form" onSubmit=${(e) => { e.preventDefault(); onSubmit(Object.assign({ decision: v.decision }, v.decision === 'approved' ? { amount: Number(v.amount) } : {}, v.note ? { note: v.note } : {})); }}>
    <${Select} label="决定" value=${v.decision} empty=${false} onChange=${set('decision')} options=${[['approved', '给予奖励'], ['declined', '不予奖励']]} />
    ${v.decision === 'approved' ? html`<${Input} label="金额 (元)" type="number" value=${v.amount} onInput=${set('amount')} min="0" />` : null}
    <${TextArea} label="说明" value=${v.note} onInput=${set('note')} rows=${2} />
    <${Actions} busy=${busy} onCancel=${onCancel} /></form></${Modal}>`;
}

function Rewards() {
  const t = localDay(0);
  const [f, setF] = useState({ start: t.slice(0, 4) + '-01-01', end: t, period: 'month', decision: '' });
  const set = (k) => (v) => setF(Object.assign({}, f, { [k]: v }));
  const ledger = useFetch('/tipoffs/rewards' + query(f));
  const [dialog, setDialog] = useState(null);
  const [revealed, setRevealed] = useState({});
  const busy = useBusy();
  async function reveal(row, reason) {
    const out = await busy.run(() => api.post('/tipoffs/' + row.tipoff_id + '/reveal-phone', { reason: reason }));
    if (out) { setRevealed(Object.assign({}, revealed, { [row.tipoff_id]: out })); setDialog(null); }
  }
  async function paid(row, body) {
    const out = await busy.run(() => api.post('/tipoffs/' + row.tipoff_id + '/reward/paid', body));
    if (out) { setDialog(null); ledger.reload(); }
  }
  const L = ledger.data;
  return html`<${Screen} title="举报奖励台账" actions=${html`<a class="gc-btn gc-btn-default" href="#/tipoffs">返回队列</a>
      <${Btn} kind="primary" onClick=${() => busy.run(() => download('/tipoffs/rewards/export.xlsx' + query(f)))}>导出 XLSX</${Btn}>`}>
    <${Filters}>
      <${Input} label="开始日期" type="date" value=${f.start} onInput=${set('start')} />
      <${Input} label="结束日期" type="date" value=${f.end} onInput=${set('end')} />
      <${Select} label="汇总" value=${f.period} empty=${false} onChange=${set('period')} options=${[['month', '按月'], ['quarter', '按季度'], ['year', '按年']]} />
      <${Select} label="决定" value=${f.decision} onChange=${set('decision')} options=${[['approved', '给予奖励'], ['declined', '不予奖励']]} />
    </${Filters}>
    <${Err} error=${ledger.error || busy.error} />
    ${L ? html`<p class="gc-summary">未发放 <strong>${L.unpaid}</strong> 笔, 共 ${(L.unpaid_fen / 100).toFixed(2)} 元</p>
      <div class="gc-table-wrap"><table class="gc-table"><thead><tr><th>举报</th><th>收到</th><th>乡镇</th><th>类别</th><th>举报人</th><th>决定</th><th>金额</th><th>发放</th><th></th></tr></thead>
      <tbody>${L.rows.map((r) => html`<tr>
        <td><a href=${'#/tipoffs/' + r.tipoff_id}>#${r.tipoff_id}</a></td><td>${r.received_day}</td><td>${r.township}</td><td>${r.category_label}</td>
        <td class="gc-user-text">${revealed[r.tipoff_id] ? html`<strong>${revealed[r.tipoff_id].name || ''} ${revealed[r.tipoff_id].phone}</strong>` : (r.name || '') + ' ' + (r.phone || '')}</td>
        <td>${r.reward.decision_label || r.reward.decision}</td><td>${r.reward.amount !== null && r.reward.amount !== undefined ? r.reward.amount + ' 元' : ''}</td>
        <td>${r.reward.paid_on ? r.reward.paid_on : r.reward.decision === 'approved' ? html`<span class="gc-warn">未发放</span>` : ''}</td>
        <td>${r.reward.decision === 'approved' && !revealed[r.tipoff_id] ? html`<${Btn} small=${true} onClick=${() => setDialog({ kind: 'reveal', row: r })}>查看电话</${Btn}>` : null}
          ${r.reward.decision === 'approved' && !r.reward.paid_on ? html`<${Btn} small=${true} kind="primary" onClick=${() => setDialog({ kind: 'paid', row: r })}>标记已发放</${Btn}>` : null}</td></tr>`)}</tbody></table></div>
      ${!L.rows.length ? html`<${Empty} text="该期间没有奖励记录" />` : null}
      <h2>汇总</h2><table class="gc-table"><thead><tr><th>期间</th><th>笔数</th><th>金额</th></tr></thead><tbody>${(L.periods || []).map((p) => html`<tr><td>${p.period || p.label}</td><td>${p.count}</td><td>${p.amount !== undefined ? p.amount : (p.amount_fen / 100).toFixed(2)} 元</td></tr>`)}</tbody></table>` : html`<${Loading} />`}
    ${dialog && dialog.kind === 'reveal' ? html`<${TextDialog} title="查看举报人电话 (将记入审计日志)" label="查看原因" busy=${busy} onCancel=${() => setDialog(null)} onSubmit=${(v) => reveal(dialog.row, v)} />` : null}
    ${dialog && dialog.kind === 'paid' ? html`<${PaidDialog} busy=${busy} onCancel=${() => setDialog(null)} onSubmit=${(b) => paid(dialog.row, b)} />` : null}
  </${Screen}>`;
}

function PaidDialog({ busy, onCancel, onSubmit }) {
  const [day, setDay] = useState(localDay(0));
  const [note, setNote] = useState('');
  return html`<${Modal} title="标记奖励已发放" onClose=${onCancel}><form class="gc-form" onSubmit=${(e) => { e.preventDefault(); onSubmit(Object.assign({ paid_on: day }, note ? { note: note } : {})); }}>
    <${Input} label="发放日期" type="date" value=${day} onInput=${setDay} /><${TextArea} label="备注" value=${note} onInput=${setNote} rows=${2} />
    <${Actions} busy=${busy} onCancel=${onCancel} /></form></${Modal}>`;
}
