// 每日调度: dispatch a task to members or to every member of some grids, with places picked by search or by sector,
// a due day and a note; the task list with progress per assignee, overdue ones marked.
import { html, useState } from '../ui/html.js';
import * as api from '../api.js';
import { Screen, Btn, Select, Input, TextArea, Filters, Loading, Err, Empty, Chip, Pager, useFetch, getPage, query, localDay, useBusy, Name } from './common.js';
import { getAll } from './review.js';
import { SECTORS } from '../screens/snap.js';

const KINDS = [['visit', '走访检查'], ['publicity', '安全宣传'], ['other', '其他']];

function toggle(list, id) { return list.indexOf(id) >= 0 ? list.filter((x) => x !== id) : list.concat([id]); }

function Picker({ label, items, chosen, onToggle }) {
  return html`<fieldset class="gc-picker"><legend>${label} (已选 ${chosen.length})</legend>
    <div class="gc-picker-list">${items.map((it) => html`<label class="gc-check"><input type="checkbox" checked=${chosen.indexOf(it[0]) >= 0} onChange=${() => onToggle(it[0])} />${it[1]}</label>`)}</div>
  </fieldset>`;
}

function NewTask({ onDone }) {
  const [v, setV] = useState({ kind: 'visit', title: '', due_date: localDay(0), note: '' });
  const [users, setUsers] = useState([]);
  const [grids, setGrids] = useState([]);
  const [places, setPlaces] = useState([]);
  const [q, setQ] = useState('');
  const [sector, setSector] = useState('');
  const members = useFetch('members', () => getAll('/users?role=member'));
  const gridList = useFetch('grids', () => getAll('/areas?level=grid'));
  const found = useFetch(q || sector ? '/places' + query({ q: q, sector: sector, page_size: 50 }) : null);
  const busy = useBusy();
  const set = (k) => (x) => setV(Object.assign({}, v, { [k]: x }));
  async function submit(e) {
    e.preventDefault();
    const out = await busy.run(() => api.post('/tasks', Object.assign({}, v, { note: v.note || undefined, user_ids: users, grid_ids: grids, place_ids: places })));
    if (out) { setV(Object.assign({}, v, { title: '', note: '' })); setUsers([]); setGrids([]); setPlaces([]); onDone(out); }
  }
  return html`<form class="gc-form gc-panel" onSubmit=${submit} aria-label="新建任务">
    <h2>新建任务</h2>
    <div class="gc-form-row">
      <${Select} label="任务类型" value=${v.kind} empty=${false} onChange=${set('kind')} options=${KINDS} />
      <${Input} label="任务名称" value=${v.title} onInput=${set('title')} wide=${true} />
      <${Input} label="完成期限" type="date" value=${v.due_date} onInput=${set('due_date')} />
    </div>
    <${TextArea} label="说明" value=${v.note} onInput=${set('note')} rows=${2} />
    <div class="gc-form-row">
      <${Picker} label="指定网格员" items=${(members.data || []).map((u) => [u.id, u.display_name])} chosen=${users} onToggle=${(id) => setUsers(toggle(users, id))} />
      <${Picker} label="或: 网格内全部网格员" items=${(gridList.data || []).map((g) => [g.id, g.name])} chosen=${grids} onToggle=${(id) => setGrids(toggle(grids, id))} />
    </div>
    ${v.kind !== 'other' ? html`<div class="gc-form-row">
      <${Input} label="搜索场所" value=${q} onInput=${setQ} placeholder="名称" />
      <${Select} label="或按行业" value=${sector} onChange=${setSector} options=${SECTORS} />
      ${found.data && found.data.length ? html`<${Btn} small=${true} onClick=${() => setPlaces(Array.from(new Set(places.concat(found.data.map((p) => p.id)))))}>全部加入 (${found.data.length})</${Btn}>` : null}
    </div>
    <${Picker} label="场所" items=${(found.data || []).map((p) => [p.id, p.name + ' · ' + (p.area ? p.area.name : '')])} chosen=${places} onToggle=${(id) => setPlaces(toggle(places, id))} />
    ${places.length ? html`<p class="gc-muted">已选场所 ${places.length} 个</p>` : null}` : null}
    <${Err} error=${busy.error} />
    <div class="gc-modal-actions"><${Btn} kind="primary" type="submit" disabled=${busy.busy || !v.title || !(users.length || grids.length)}>派发任务</${Btn}></div>
  </form>`;
}

export function Dispatch() {
  const [f, setF] = useState({ status: '', overdue: false, kind: '' });
  const [page, setPage] = useState(1);
  const [made, setMade] = useState(null);
  const list = useFetch('/tasks' + query(Object.assign({}, f, { page: page, page_size: 20 })), getPage);
  const today = localDay(0);
  const set = (k) => (x) => { setF(Object.assign({}, f, { [k]: x })); setPage(1); };
  const r = list.data;
  return html`<${Screen} title="每日调度">
    <${NewTask} onDone=${(t) => { setMade('已派发: ' + t.title + ' (' + t.assignments.length + ' 人)'); list.reload(); }} />
    ${made ? html`<p class="gc-ok" role="status">${made}</p>` : null}
    <h2>任务列表</h2>
    <${Filters}>
      <${Select} label="类型" value=${f.kind} onChange=${set('kind')} options=${KINDS.concat([['recheck', '隐患复查']])} />
      <${Select} label="状态" value=${f.status} onChange=${set('status')} options=${[['open', '未完成'], ['done', '已完成']]} />
      <label class="gc-check"><input type="checkbox" checked=${f.overdue} onChange=${(e) => set('overdue')(e.target.checked)} />只看逾期</label>
    </${Filters}>
    <${Err} error=${list.error} onRetry=${list.reload} />
    ${list.loading && !r ? html`<${Loading} />` : null}
    ${r && !r.items.length ? html`<${Empty} text="没有任务" />` : null}
    ${r && r.items.length ? html`<div class="gc-table-wrap"><table class="gc-table"><thead><tr><th>任务</th><th>类型</th><th>期限</th><th>进度</th><th>各网格员</th></tr></thead>
      <tbody>${r.items.map((t) => {
        const done = t.assignments.filter((a) => a.status === 'done').length;
        const late = t.due_date < today && done < t.assignments.length;
        return html`<tr class=${late ? 'gc-row-overdue' : ''}><td>${t.title}${t.note ? html`<div class="gc-muted gc-clip">${t.note}</div>` : null}</td><td>${t.kind_label}</td>
          <td>${t.due_date}${late ? html` <${Chip} tone="red">逾期</${Chip}>` : null}</td><td>${done} / ${t.assignments.length}</td>
          <td class="gc-assignees">${t.assignments.map((a) => html`<span class=${'gc-assignee gc-as-' + a.status + (late && a.status !== 'done' ? ' gc-as-late' : '')}>
            ${a.user ? a.user.display_name : html`<${Name} kind="users" id=${a.user_id} field="display_name" />`} ${a.status === 'done' ? '✓' : late ? '逾期' : '未完成'}${a.places_done && a.places_done.total ? ' ' + a.places_done.done + '/' + a.places_done.total : ''}</span>`)}</td></tr>`;
      })}</tbody></table></div>` : null}
    ${r ? html`<${Pager} page=${page} pages=${r.pages} total=${r.total} onPage=${setPage} />` : null}
  </${Screen}>`;
}
