// 隐患台账: the hazard board (filters, counts by stage, the list, XLSX of the filtered list, statistics per
// township) and a hazard's page (history, photos before and after, orders with the printable order, the steps the
// status and the role allow).
import { html, useState, useEffect } from '../ui/html.js';
import * as api from '../api.js';
import {
  Screen, Btn, Select, Input, TextArea, Filters, Loading, Err, Empty, Chip, Pager, Modal, useFetch, getPage, query,
  fmtDateTime, localDay, pct, download, openDocument, useBusy, lookup, forget,
} from './common.js';
import { getAll } from './review.js';
import { SECTORS } from '../screens/snap.js';

export const STATUS = [['reported', '已上报'], ['ordered', '已责令整改'], ['rectified', '已整改待复查'],
  ['rechecked', '复查合格待销号'], ['closed', '已销号'], ['rejected', '不属于隐患']];
const STATUS_TONE = { reported: 'orange', ordered: 'blue', rectified: 'purple', rechecked: 'teal', closed: 'green', rejected: 'grey' };
const LEVELS = [['general', '一般隐患'], ['major', '重大事故隐患']];
const ACTION_LABELS = { create: '登记', order: '责令限期整改', reject: '不予认定', rectify: '整改完成', recheck: '复查', close: '销号',
  supervise: '挂牌督办', supervision: '挂牌督办', escalate: '逾期升级' };

export function StatusChip({ h }) { return html`<${Chip} tone=${STATUS_TONE[h.status]}>${h.status_label || h.status}</${Chip}>`; }
export function LevelChip({ h }) { return html`<${Chip} tone=${h.level === 'major' ? 'red' : 'orange'}>${h.level_label || h.level}</${Chip}>`; }

export function Hazards({ args, user }) {
  if (args[0] === 'stats') return html`<${HazardStats} user=${user} />`;
  if (args[0]) return html`<${HazardPage} id=${args[0]} user=${user} />`;
  return html`<${HazardBoard} user=${user} />`;
}

function HazardBoard({ user }) {
  const [f, setF] = useState({ status: '', level: '', sector: '', area_id: '', overdue: false, escalated: false, supervised: false });
  const [page, setPage] = useState(1);
  const [counts, setCounts] = useState({});
  const grids = useFetch('grids', () => getAll('/areas?level=grid'));
  const townships = useFetch(user.role === 'county_admin' ? '/areas?level=township&page_size=100' : null);
  const filters = { status: f.status, level: f.level, sector: f.sector, area_id: f.area_id, overdue: f.overdue, escalated: f.escalated, supervised: f.supervised };
  const list = useFetch('/hazards' + query(Object.assign({}, filters, { page: page, page_size: 20 })), getPage);
  const busy = useBusy();
  const set = (k) => (v) => { setF(Object.assign({}, f, { [k]: v })); setPage(1); };
  useEffect(() => {
    let alive = true;
    const base = Object.assign({}, filters, { status: '' });
    Promise.all(STATUS.map((s) => getPage('/hazards' + query(Object.assign({}, base, { status: s[0], page_size: 1 })))
      .then((r) => [s[0], r.total], () => [s[0], null]))).then((pairs) => {
      if (!alive) return;
      const c = {}; pairs.forEach((p) => { c[p[0]] = p[1]; }); setCounts(c);
    });
    return () => { alive = false; };
  }, [f.level, f.sector, f.area_id, f.overdue, f.escalated, f.supervised]);
  const canReport = user.role !== 'member';
  const areaOptions = (townships.data || []).map((t) => [t.id, '乡镇: ' + t.name]).concat((grids.data || []).map((g) => [g.id, g.name]));
  const r = list.data;
  return html`<${Screen} title="隐患台账" actions=${html`
      <a class="gc-btn gc-btn-default" href="#/hazards/stats">分乡镇统计</a>
      ${canReport ? html`<${Btn} kind="primary" disabled=${busy.busy} onClick=${() => busy.run(() => download('/hazards/export.xlsx' + query(filters)))}>导出 XLSX (当前筛选)</${Btn}>` : null}`}>
    <div class="gc-stages" role="list" aria-label="各环节数量">${STATUS.map((s) => html`
      <button type="button" role="listitem" class=${'gc-stage' + (f.status === s[0] ? ' gc-on' : '')} onClick=${() => set('status')(f.status === s[0] ? '' : s[0])}>
        <strong data-testid=${'count-' + s[0]}>${counts[s[0]] === undefined ? '…' : counts[s[0]] === null ? '—' : counts[s[0]]}</strong><span>${s[1]}</span></button>`)}
    </div>
    <${Filters}>
      <${Select} label="状态" value=${f.status} onChange=${set('status')} options=${STATUS} />
      <${Select} label="等级" value=${f.level} onChange=${set('level')} options=${LEVELS} />
      <${Select} label="行业" value=${f.sector} onChange=${set('sector')} options=${SECTORS} />
      <${Select} label="区域" value=${f.area_id} onChange=${set('area_id')} options=${areaOptions} />
      <label class="gc-check"><input type="checkbox" checked=${f.overdue} onChange=${(e) => set('overdue')(e.target.checked)} />逾期</label>
      <label class="gc-check"><input type="checkbox" checked=${f.escalated} onChange=${(e) => set('escalated')(e.target.checked)} />已升级</label>
      <label class="gc-check"><input type="checkbox" checked=${f.supervised} onChange=${(e) => set('supervised')(e.target.checked)} />挂牌督办</label>
    </${Filters}>
    <${Err} error=${list.error || busy.error} onRetry=${list.error ? list.reload : null} />
    ${list.loading && !r ? html`<${Loading} />` : null}
    ${r && !r.items.length ? html`<${Empty} text="没有符合条件的隐患" />` : null}
    ${r && r.items.length ? html`<div class="gc-table-wrap"><table class="gc-table">
      <thead><tr><th>编号</th><th>隐患</th><th>场所</th><th>网格</th><th>等级</th><th>状态</th><th>整改期限</th><th>发现时间</th></tr></thead>
      <tbody>${r.items.map((h) => html`<tr class=${h.overdue_days ? 'gc-row-overdue' : ''}>
        <td><a href=${'#/hazards/' + h.id}>#${h.id}</a></td>
        <td><a href=${'#/hazards/' + h.id}>${h.category}</a><div class="gc-muted gc-clip">${h.description}</div></td>
        <td>${h.place ? h.place.name : '—'}</td>
        <td>${h.grid ? h.grid.name : ''}${h.township ? html`<div class="gc-muted">${h.township.name}</div>` : null}</td>
        <td><${LevelChip} h=${h} /></td>
        <td><${StatusChip} h=${h} />${h.escalated ? html` <${Chip} tone="red">已升级</${Chip}>` : null}</td>
        <td>${h.deadline || '—'}${h.overdue_days ? html`<div class="gc-warn">逾期 ${h.overdue_days} 天</div>` : null}</td>
        <td>${fmtDateTime(h.found_at)}</td></tr>`)}</tbody></table></div>` : null}
    ${r ? html`<${Pager} page=${page} pages=${r.pages} total=${r.total} onPage=${setPage} />` : null}
  </${Screen}>`;
}

function HazardStats({ user }) {
  const t = localDay(0);
  const [start, setStart] = useState(t.slice(0, 8) + '01');
  const [end, setEnd] = useState(t);
  const [area, setArea] = useState('');
  const townships = useFetch(user.role === 'county_admin' ? '/areas?level=township&page_size=100' : null);
  const s = useFetch('/hazards/stats' + query({ start: start, end: end, area_id: area }));
  return html`<${Screen} title="隐患统计" actions=${html`<a class="gc-btn gc-btn-default" href="#/hazards">返回台账</a>`}>
    <${Filters}>
      <${Input} label="开始日期" type="date" value=${start} onInput=${setStart} />
      <${Input} label="结束日期" type="date" value=${end} onInput=${setEnd} />
      ${townships.data ? html`<${Select} label="区域" value=${area} onChange=${setArea} empty="全县 (按乡镇)" options=${townships.data.map((x) => [x.id, x.name])} />` : null}
    </${Filters}>
    <${Err} error=${s.error} />
    ${s.data ? html`<div class="gc-table-wrap"><table class="gc-table" aria-label="统计">
      <thead><tr><th>区域</th><th>发现</th><th>重大</th><th>重大未销号</th><th>已销号</th><th>销号率</th><th>按期整改率</th><th>逾期</th><th>不予认定</th></tr></thead>
      <tbody>${s.data.map((row) => html`<tr><td>${row.area.name}</td><td>${row.found}</td><td>${row.major_found}</td><td>${row.major_open}</td>
        <td>${row.closed}</td><td>${pct(row.closure_rate)}</td><td>${pct(row.on_time_rate)}</td><td>${row.overdue}</td><td>${row.rejected}</td></tr>`)}</tbody>
    </table></div>` : html`<${Loading} />`}
  </${Screen}>`;
}

function Photos({ ids, title }) {
  return html`<section class="gc-photo-col"><h3>${title}</h3>
    <div class="gc-pair">${(ids || []).map((id) => html`<${PhotoBox} key=${id} id=${id} />`)}${(ids || []).length ? null : html`<p class="gc-muted">无照片</p>`}</div></section>`;
}
function PhotoBox({ id }) {
  const [p, setP] = useState(null);
  useEffect(() => { lookup('photos', id).then(setP); }, [id]);
  return html`<a class="gc-thumb gc-thumb-big" href=${p ? p.display_url : '#'} target="_blank" rel="noopener">${p ? html`<img src=${p.display_url} alt="照片" />` : '…'}</a>`;
}

// Which step forms this actor sees: the status allows it (allowed_actions) and the role may take it.
const STEP_ROLES = {
  order: ['township_admin', 'inspector'], reject: ['township_admin', 'inspector', 'county_admin'],
  recheck: ['township_admin', 'inspector', 'county_admin'], close: ['township_admin', 'inspector', 'county_admin'],
};

function HazardPage({ id, user }) {
  const h = useFetch('/hazards/' + encodeURIComponent(id));
  const [step, setStep] = useState(null);
  const busy = useBusy();
  if (h.error) return html`<${Screen} title="隐患"><${Err} error=${h.error} /><a href="#/hazards">返回台账</a></${Screen}>`;
  if (!h.data) return html`<${Screen} title="隐患"><${Loading} /></${Screen}>`;
  const d = h.data;
  const steps = (d.allowed_actions || []).filter((a) => (STEP_ROLES[a] || []).indexOf(user.role) >= 0);
  const canSupervise = user.role === 'county_admin' && d.level === 'major' && !d.supervision && ['closed', 'rejected'].indexOf(d.status) < 0;
  async function act(action, body) {
    const out = await busy.run(() => api.post('/hazards/' + d.id + '/' + action, action === 'supervision' ? body : Object.assign({ client_uuid: api.uuid() }, body)));
    if (out) { setStep(null); forget('hazards', d.id); h.reload(); }
  }
  return html`<${Screen} title=${'隐患 #' + d.id + ' ' + d.category} actions=${html`<a class="gc-btn gc-btn-default" href="#/hazards">返回台账</a>`}>
    <div class="gc-hazard-head">
      <${LevelChip} h=${d} /> <${StatusChip} h=${d} />
      ${d.escalated ? html`<${Chip} tone="red">已升级</${Chip}>` : null}
      ${d.supervision ? html`<${Chip} tone="red">${d.supervision.level_label || '挂牌督办'}</${Chip}>` : null}
      ${d.overdue_days ? html`<span class="gc-warn">逾期 ${d.overdue_days} 天</span>` : null}
    </div>
    <p class="gc-text" data-testid="hazard-description">${d.description}</p>
    <dl class="gc-facts gc-facts-wide">
      <dt>场所</dt><dd>${d.place ? d.place.name : '—'}</dd>
      <dt>网格</dt><dd>${d.grid ? d.grid.name : ''}${d.township ? ' · ' + d.township.name : ''}</dd>
      <dt>来源</dt><dd>${d.source_label || d.source}${d.tipoff_id ? ' (举报 #' + d.tipoff_id + ')' : ''}</dd>
      <dt>行业</dt><dd>${d.sector_label || d.sector}</dd>
      <dt>发现时间</dt><dd>${fmtDateTime(d.found_at)}</dd>
      <dt>整改期限</dt><dd>${d.deadline || '—'}${d.first_deadline && d.first_deadline !== d.deadline ? ' (首次 ' + d.first_deadline + ')' : ''}</dd>
      ${d.rectification_statement ? html`<dt>整改说明</dt><dd>${d.rectification_statement}</dd>` : null}
      ${d.reject_reason ? html`<dt>不予认定原因</dt><dd>${d.reject_reason}</dd>` : null}
      ${d.supervision ? html`<dt>督办</dt><dd>${d.supervision.level_label} · 责任人 ${d.supervision.supervisor} · 期限 ${d.supervision.target_date}${d.supervision.signed_off_at ? ' · 已签字销号 ' + fmtDateTime(d.supervision.signed_off_at) : ' · 未签字销号'}</dd>` : null}
    </dl>
    <div class="gc-side-by-side">
      <${Photos} ids=${d.photo_ids} title="隐患照片 (整改前)" />
      <${Photos} ids=${d.after_photo_ids} title="整改后照片" />
    </div>
    <section class="gc-steps-bar" aria-label="操作">
      ${steps.indexOf('order') >= 0 ? html`<${Btn} kind="primary" onClick=${() => setStep('order')}>责令限期整改</${Btn}>` : null}
      ${steps.indexOf('reject') >= 0 ? html`<${Btn} kind="warn" onClick=${() => setStep('reject')}>不予认定</${Btn}>` : null}
      ${steps.indexOf('recheck') >= 0 ? html`<${Btn} kind="primary" onClick=${() => setStep('recheck')}>复查</${Btn}>` : null}
      ${steps.indexOf('close') >= 0 ? html`<${Btn} kind="primary" onClick=${() => setStep('close')}>${d.supervision ? '签字销号' : '销号'}</${Btn}>` : null}
      ${canSupervise ? html`<${Btn} kind="warn" onClick=${() => setStep('supervise')}>挂牌督办</${Btn}>` : null}
      ${!steps.length && !canSupervise ? html`<span class="gc-muted">当前状态下您没有可执行的操作</span>` : null}
    </section>
    <${Err} error=${busy.error} />
    ${d.orders && d.orders.length ? html`<section><h2>整改指令</h2><table class="gc-table">
      <thead><tr><th>轮次</th><th>文书编号</th><th>期限</th><th>整改措施</th><th>责任人</th><th>签发</th><th></th></tr></thead>
      <tbody>${d.orders.map((o) => html`<tr><td>${o.round}</td><td>${o.number}</td><td>${o.deadline}</td><td class="gc-text">${o.measures}</td><td>${o.responsible_person}</td>
        <td>${o.issued_by_name} ${fmtDateTime(o.issued_at)}</td>
        <td><${Btn} small=${true} onClick=${() => busy.run(() => openDocument('/hazards/' + d.id + '/order.html?round=' + o.round))}>打印指令书</${Btn}></td></tr>`)}</tbody></table></section>` : null}
    <section><h2>处理过程</h2><ol class="gc-history">${(d.history || []).map((e) => html`<li>
      <strong>${ACTION_LABELS[e.action] || e.action}</strong> · ${e.actor_name} · ${fmtDateTime(e.at)}
      ${e.from_status ? html` <span class="gc-muted">${label(e.from_status)} → ${label(e.to_status)}</span>` : null}
      ${e.data && (e.data.reason || e.data.note || e.data.statement) ? html`<div class="gc-text">${e.data.reason || e.data.note || e.data.statement}</div>` : null}
      ${e.data && e.data.result ? html`<div>${e.data.result === 'pass' ? '复查合格' : '复查不合格'}${e.data.sign_off ? ' · 县级签字销号' : ''}</div>` : e.data && e.data.sign_off ? html`<div>县级签字销号</div>` : null}
    </li>`)}</ol></section>
    ${step ? html`<${StepForm} step=${step} hazard=${d} busy=${busy.busy} error=${busy.error} onCancel=${() => { setStep(null); busy.setError(null); }} onSubmit=${(a, b) => act(a, b)} />` : null}
  </${Screen}>`;
}
function label(s) { const x = STATUS.find((p) => p[0] === s); return x ? x[1] : s; }

function StepForm({ step, hazard, onCancel, onSubmit, busy, error }) {
  const [v, setV] = useState({ deadline: localDay(7), measures: '', responsible_person: '', note: '', reason: '', result: 'pass', level: 'county', target_date: localDay(30), supervisor: '' });
  const set = (k) => (x) => setV(Object.assign({}, v, { [k]: x }));
  let body; let title; let ok;
  if (step === 'order') {
    title = '责令限期整改';
    body = html`<${Input} label="整改期限" type="date" value=${v.deadline} onInput=${set('deadline')} />
      <${Input} label="整改责任人" value=${v.responsible_person} onInput=${set('responsible_person')} />
      <${TextArea} label="整改措施" value=${v.measures} onInput=${set('measures')} />
      <${TextArea} label="备注" value=${v.note} onInput=${set('note')} rows=${2} />`;
    ok = () => onSubmit('order', { deadline: v.deadline, measures: v.measures, responsible_person: v.responsible_person, note: v.note || undefined });
  } else if (step === 'reject') {
    title = '不予认定';
    body = html`<${TextArea} label="原因" value=${v.reason} onInput=${set('reason')} />`;
    ok = () => onSubmit('reject', { reason: v.reason });
  } else if (step === 'recheck') {
    title = '复查';
    body = html`<${Select} label="复查结果" value=${v.result} empty=${false} onChange=${set('result')} options=${[['pass', '合格'], ['fail', '不合格, 重新责令整改']]} />
      ${v.result === 'fail' ? html`<${Input} label="新的整改期限" type="date" value=${v.deadline} onInput=${set('deadline')} />
        <${TextArea} label="整改措施 (留空沿用上次)" value=${v.measures} onInput=${set('measures')} />` : null}
      <${TextArea} label="复查意见" value=${v.note} onInput=${set('note')} rows=${2} />
      ${hazard.supervision ? html`<p class="gc-muted">挂牌督办的隐患: 复查合格后须由县级管理员签字销号。</p>` : null}`;
    ok = () => onSubmit('recheck', Object.assign({ result: v.result, note: v.note || undefined },
      v.result === 'fail' ? { deadline: v.deadline, measures: v.measures || undefined } : {}));
  } else if (step === 'close') {
    title = hazard.supervision ? '签字销号' : '销号';
    body = html`<${TextArea} label="销号意见" value=${v.note} onInput=${set('note')} rows=${2} />`;
    ok = () => onSubmit('close', { note: v.note || undefined });
  } else {
    title = '挂牌督办';
    body = html`<${Select} label="督办层级" value=${v.level} empty=${false} onChange=${set('level')} options=${[['county', '县级挂牌督办'], ['city', '市级挂牌督办'], ['province', '省级挂牌督办']]} />
      <${Input} label="督办期限" type="date" value=${v.target_date} onInput=${set('target_date')} />
      <${Input} label="督办责任人" value=${v.supervisor} onInput=${set('supervisor')} />
      <${TextArea} label="备注" value=${v.note} onInput=${set('note')} rows=${2} />`;
    ok = () => onSubmit('supervision', { level: v.level, target_date: v.target_date, supervisor: v.supervisor, note: v.note || undefined });
  }
  return html`<${Modal} title=${title} onClose=${onCancel}>
    <form class="gc-form" onSubmit=${(e) => { e.preventDefault(); ok(); }}>
      ${body}
      <${Err} error=${error} />
      <div class="gc-modal-actions"><${Btn} onClick=${onCancel}>取消</${Btn}><${Btn} kind="primary" type="submit" disabled=${busy}>确定</${Btn}></div>
    </form>
  </${Modal}>`;
}
