// 每日通报: a township's day as it would be published (preview), publishing it (refused by the server for a day not
// yet over, with its message), and the published ones with their XLSX.
import { html, useState } from '../ui/html.js';
import * as api from '../api.js';
import { Screen, Btn, Select, Input, Filters, Loading, Err, Empty, Chip, useFetch, query, fmtDateTime, localDay, download, useBusy } from './common.js';

const REPORT = { missing: '未交', late: '迟交', on_time: '按时' };

export function BulletinView({ content }) {
  const c = content;
  return html`<div class="gc-bulletin" data-testid="bulletin">
    <div class="gc-stats-row">
      <div><strong>${c.members}</strong><span>网格员</span></div>
      <div><strong>${c.clocked_in.length}</strong><span>已打卡</span></div>
      <div><strong class=${c.not_clocked_in.length ? 'gc-warn' : ''}>${c.not_clocked_in.length}</strong><span>未打卡</span></div>
      <div><strong>${c.visits}</strong><span>巡查</span></div>
      <div><strong>${c.publicity}</strong><span>宣传</span></div>
      <div><strong>${c.hazards_found}</strong><span>一般隐患</span></div>
      <div><strong class=${c.major_hazards.length ? 'gc-warn' : ''}>${c.major_hazards.length}</strong><span>重大隐患</span></div>
      <div><strong>${c.rectifications_overdue}</strong><span>整改逾期</span></div>
    </div>
    ${c.not_clocked_in.length ? html`<p><strong>未打卡:</strong> ${c.not_clocked_in.join('、')}</p>` : null}
    ${c.reports_missing.length ? html`<p><strong>未交日报:</strong> ${c.reports_missing.join('、')}</p>` : null}
    ${c.reports_late.length ? html`<p><strong>迟交日报:</strong> ${c.reports_late.join('、')}</p>` : null}
    ${c.major_hazards.length ? html`<p><strong>重大隐患:</strong> ${c.major_hazards.map((h) => html`<a href=${'#/hazards/' + h.id}>${h.grid} ${h.category}</a> `)}</p>` : null}
    <div class="gc-table-wrap"><table class="gc-table"><thead><tr><th>网格员</th><th>网格</th><th>打卡</th><th>巡查</th><th>宣传</th><th>日报</th><th>逾期任务</th></tr></thead>
      <tbody>${(c.people || []).map((p) => html`<tr><td>${p.name}</td><td>${p.grid}</td>
        <td>${p.clocked_in_at ? fmtDateTime(p.clocked_in_at).slice(11) + (p.out_of_area ? ' (网格外)' : '') : html`<span class="gc-warn">未打卡</span>`}</td>
        <td>${p.visits}</td><td>${p.publicity}</td><td class=${p.report === 'on_time' ? '' : 'gc-warn'}>${REPORT[p.report] || p.report}</td><td>${p.tasks_overdue}</td></tr>`)}</tbody></table></div>
  </div>`;
}

export function Bulletins({ user }) {
  const townships = useFetch('/areas?level=township&page_size=100');
  const mine = (user.areas || []).find((a) => a.level === 'township');
  const [township, setTownship] = useState(mine ? String(mine.id) : '');
  const [day, setDay] = useState(localDay(-1));
  const tid = township || (townships.data && townships.data[0] ? String(townships.data[0].id) : '');
  const preview = useFetch(tid ? '/bulletins/preview' + query({ township_id: tid, date: day }) : null);
  const published = useFetch(tid ? '/bulletins' + query({ township_id: tid, page_size: 30 }) : null);
  const busy = useBusy();
  const [ok, setOk] = useState(null);
  async function publish() {
    setOk(null);
    const out = await busy.run(() => api.post('/bulletins', { township_id: Number(tid), date: day }));
    if (out) { setOk('已发布 ' + out.date + ' 的通报'); published.reload(); }
  }
  const done = (published.data || []).find((b) => b.date === day);
  return html`<${Screen} title="每日通报" actions=${html`<${Btn} kind="primary" disabled=${busy.busy || !tid || !!done} onClick=${publish}>${done ? '已发布' : '发布通报'}</${Btn}>`}>
    <${Filters}>
      <${Select} label="乡镇" value=${tid} empty=${false} onChange=${setTownship} options=${(townships.data || []).map((t) => [t.id, t.name])} />
      <${Input} label="日期" type="date" value=${day} onInput=${setDay} />
    </${Filters}>
    <${Err} error=${busy.error || preview.error} />
    ${ok ? html`<p class="gc-ok" role="status">${ok}</p>` : null}
    <h2>${done ? '已发布的通报' : '预览'} <${Chip} tone=${done ? 'green' : 'orange'}>${done ? '已发布 ' + fmtDateTime(done.published_at) + ' · ' + done.published_by : '预览 · 未发布'}</${Chip}></h2>
    ${done ? html`<${BulletinView} content=${done.content} />` : preview.data ? html`<${BulletinView} content=${preview.data.content} />` : preview.loading ? html`<${Loading} />` : null}
    <h2>已发布</h2>
    ${published.data && !published.data.length ? html`<${Empty} text="还没有发布的通报" />` : null}
    <ul class="gc-history">${(published.data || []).map((b) => html`<li>
      <a href="#" onClick=${(e) => { e.preventDefault(); setDay(b.date); }}>${b.date}</a> · ${b.published_by} · ${fmtDateTime(b.published_at)}
      <${Btn} small=${true} onClick=${() => busy.run(() => download('/bulletins/' + b.id + '.xlsx'))}>XLSX</${Btn}></li>`)}</ul>
  </${Screen}>`;
}
