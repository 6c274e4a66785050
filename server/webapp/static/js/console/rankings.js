// 月排名: months with their draft and published revisions; compute a draft, look at the boards (member, village,
// township), publish with the rule version shown, publish a correction with a reason; poster PNG and XLSX.  A draft
// is marked as a draft everywhere (the server marks its poster too).
import { html, useState } from '../ui/html.js';
import * as api from '../api.js';
import {
  Screen, Btn, Select, TextArea, Filters, Loading, Err, Empty, Chip, Pager, Modal, useFetch, getPage, query,
  fmtDateTime, lastMonth, download, useBusy, untilDone, JobProgress,
} from './common.js';

const LEVELS = [['member', '网格员'], ['village', '村(社区)'], ['township', '乡镇']];

export function Rankings({ user }) {
  const months = useFetch('/rankings/months');
  const [month, setMonth] = useState(lastMonth());
  const [view, setView] = useState('');      // '' = newest published, 'draft', or a revision number
  const [level, setLevel] = useState('member');
  const [township, setTownship] = useState('');
  const [page, setPage] = useState(1);
  const [dialog, setDialog] = useState(null);
  const busy = useBusy();
  const [job, setJob] = useState(null);      // compute / publish running as a background job
  const county = user.role === 'county_admin';
  const townships = useFetch(county ? '/areas?level=township&page_size=100' : null);
  const info = (months.data || []).find((m) => m.month === month) || { month: month, draft: null, revisions: [] };
  const revisions = info.revisions || [];
  const newest = revisions.reduce((a, r) => (!a || r.revision > a.revision ? r : a), null);
  const showingDraft = view === 'draft' || (!view && !newest && info.draft);
  const run = showingDraft ? info.draft : view ? revisions.find((r) => String(r.revision) === view) : newest;
  const params = { level: level, township_id: township, draft: showingDraft ? 'true' : '', revision: !showingDraft && run ? run.revision : '' };
  const board = useFetch(run ? '/rankings/' + month + query(Object.assign({}, params, { page: page, page_size: 50 })) : null, getPage);
  const docParams = { township_id: township, draft: showingDraft ? 'true' : '', revision: !showingDraft && run ? run.revision : '' };
  const allMonths = Array.from(new Set([lastMonth()].concat((months.data || []).map((m) => m.month)))).sort().reverse();

  async function compute() {
    const out = await busy.run(async () => untilDone(await api.post('/rankings/' + month + '/compute', {}), setJob));
    if (out) { setView('draft'); months.reload(); board.reload(); }
  }
  async function publish(reason) {
    const body = newest ? { revision: newest.revision + 1, reason: reason } : {};
    const out = await busy.run(async () => untilDone(await api.post('/rankings/' + month + '/publish', body), setJob));
    if (out) { setDialog(null); setView(String(out.revision)); months.reload(); }
  }
  return html`<${Screen} title="月排名" actions=${html`
      ${run ? html`<${Btn} onClick=${() => busy.run(() => download('/rankings/' + month + '/poster.png' + query(docParams)))}>海报 PNG</${Btn}>
        <${Btn} onClick=${() => busy.run(() => download('/rankings/' + month + '/export.xlsx' + query(Object.assign({ level: level }, docParams))))}>导出 XLSX</${Btn}>` : null}
      ${county ? html`<${Btn} disabled=${busy.busy} onClick=${compute}>计算草稿</${Btn}>` : null}
      ${county && (info.draft || newest) ? html`<${Btn} kind="primary" disabled=${busy.busy} onClick=${() => setDialog(newest ? 'correct' : 'publish')}>${newest ? '发布更正版' : '发布'}</${Btn}>` : null}`}>
    <${Filters}>
      <${Select} label="月份" value=${month} empty=${false} onChange=${(v) => { setMonth(v); setView(''); setPage(1); }} options=${allMonths.map((m) => [m, m])} />
      <${Select} label="版本" value=${showingDraft ? 'draft' : run ? String(run.revision) : ''} empty=${false} onChange=${(v) => { setView(v); setPage(1); }}
        options=${(info.draft ? [['draft', '草稿 (未发布)']] : []).concat(revisions.map((r) => [String(r.revision), '第 ' + r.revision + ' 版' + (r.reason ? ' (更正)' : '')]))} />
      <${Select} label="榜单" value=${level} empty=${false} onChange=${(v) => { setLevel(v); setPage(1); }} options=${LEVELS} />
      ${county ? html`<${Select} label="乡镇" value=${township} onChange=${(v) => { setTownship(v); setPage(1); }} empty="全县" options=${(townships.data || []).map((t) => [t.id, t.name])} />` : null}
    </${Filters}>
    <${JobProgress} job=${job} />
    <${Err} error=${months.error || busy.error || board.error} />
    ${run ? html`<div class=${'gc-run' + (showingDraft ? ' gc-run-draft' : '')} data-testid="ranking-run">
      ${showingDraft ? html`<${Chip} tone="orange">草稿 · 未发布</${Chip}>` : html`<${Chip} tone="green">已发布 第 ${run.revision} 版</${Chip}>`}
      <span>规则第 <strong>${run.rule_version}</strong> 版</span>
      <span>统计至 ${run.cutoff}</span>
      <span>${showingDraft ? '计算于 ' + fmtDateTime(run.computed_at) : '发布: ' + (run.published_by || '') + ' ' + fmtDateTime(run.published_at)}</span>
      ${run.reason ? html`<span>更正原因: <q>${run.reason}</q></span>` : null}
    </div>` : months.data ? html`<${Empty} text=${month + ' 还没有排名' + (county ? ', 可点"计算草稿"' : '')} />` : html`<${Loading} />`}
    ${board.data ? html`<div class=${'gc-table-wrap' + (showingDraft ? ' gc-draft-mark' : '')}><table class="gc-table" aria-label="排行榜">
      <thead><tr><th>名次</th><th>${LEVELS.find((l) => l[0] === level)[1]}</th>${level === 'member' ? html`<th>网格</th>` : null}${level !== 'township' ? html`<th>乡镇</th>` : null}
        ${level !== 'member' ? html`<th>人数</th>` : null}<th>得分</th><th>各项</th></tr></thead>
      <tbody>${board.data.items.map((e) => html`<tr>
        <td>${e.rank}</td><td class="gc-nowrap">${e.name}</td>${level === 'member' ? html`<td class="gc-nowrap">${e.grid_name || ''}</td>` : null}${level !== 'township' ? html`<td class="gc-nowrap">${e.township_name}</td>` : null}
        ${level !== 'member' ? html`<td>${e.members}</td>` : null}<td><strong>${e.score}</strong></td>
        <td class="gc-metrics">${(e.metrics || []).map((m) => html`<span title=${m.label}>${m.label} ${m.points}/${m.full_marks}</span>`)}</td></tr>`)}</tbody>
    </table>${!board.data.items.length ? html`<${Empty} text="榜单为空" />` : null}</div>
    <${Pager} page=${page} pages=${board.data.pages} total=${board.data.total} onPage=${setPage} />` : null}
    ${revisions.length ? html`<section><h2>发布记录</h2><ul class="gc-history">${revisions.map((r) => html`<li>
      <a href="#" onClick=${(ev) => { ev.preventDefault(); setView(String(r.revision)); }}>第 ${r.revision} 版</a> · 规则第 ${r.rule_version} 版 · ${r.published_by} · ${fmtDateTime(r.published_at)}${r.reason ? html` · 更正原因: <q>${r.reason}</q>` : null}</li>`)}</ul></section>` : null}
    ${dialog ? html`<${PublishDialog} correction=${dialog === 'correct'} month=${month} next=${newest ? newest.revision + 1 : 1}
      rule=${info.draft ? info.draft.rule_version : run && run.rule_version} busy=${busy.busy} error=${busy.error}
      onCancel=${() => setDialog(null)} onSubmit=${publish} />` : null}
  </${Screen}>`;
}

function PublishDialog({ correction, month, next, rule, onCancel, onSubmit, busy, error }) {
  const [reason, setReason] = useState('');
  return html`<${Modal} title=${correction ? '发布更正版' : '发布月排名'} onClose=${onCancel}>
    <form class="gc-form" onSubmit=${(e) => { e.preventDefault(); onSubmit(reason.trim()); }}>
      <p>将发布 <strong>${month}</strong> 第 <strong>${next}</strong> 版${rule ? html`, 按规则第 <strong>${rule}</strong> 版计算` : null}。发布后不能修改${correction ? ', 之前的版本仍可查看' : ''}。</p>
      ${correction ? html`<${TextArea} label="更正原因" value=${reason} onInput=${setReason} />` : null}
      <${Err} error=${error} />
      <div class="gc-modal-actions"><${Btn} onClick=${onCancel}>取消</${Btn}><${Btn} kind="primary" type="submit" disabled=${busy || (correction && !reason.trim())}>确认发布</${Btn}></div>
    </form>
  </${Modal}>`;
}
