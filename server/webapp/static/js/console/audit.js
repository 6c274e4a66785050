// 审计日志 (county admins): the append-only log of the county with filters, newest first.
import { html, useState } from '../ui/html.js';
import { Screen, Input, Select, Filters, Loading, Err, Empty, Pager, useFetch, getPage, query, fmtDateTime } from './common.js';

const TYPES = [['hazards', '隐患'], ['tipoffs', '举报'], ['checkins', '打卡'], ['visits', '巡查'], ['publicity_visits', '宣传'],
  ['users', '人员'], ['places', '场所'], ['ranking_runs', '排名'], ['bulletins', '通报'], ['areas', '区域']];

const NAMES = Object.fromEntries(TYPES.concat([['checklists', '检查表'], ['tasks', '任务'], ['rectification_orders', '整改'],
  ['daily_reports', '日报'], ['rewards', '奖励'], ['auth', '账号']]));
const VERBS = { create: '新建', update: '修改', delete: '删除', login: '登录', logout: '退出登录', reveal_phone: '查看举报人电话',
  binding_code_issued: '发放绑定码', mark_paid: '标记已发放' };
// "users.update" → "修改 人员" (the code stays in the tooltip)
function actionText(action) {
  const [table, verb] = String(action || '').split('.');
  return (VERBS[verb] || verb || '') + ' ' + (NAMES[table] || table);
}
// what changed, readable: field: before → after; other facts as key: value
function summaryText(summary) {
  if (!summary || typeof summary !== 'object') return String(summary || '');
  return Object.keys(summary).map((k) => {
    const v = summary[k];
    if (v && typeof v === 'object' && 'from' in v && 'to' in v) return k + ': ' + JSON.stringify(v.from) + ' → ' + JSON.stringify(v.to);
    return k + ': ' + (typeof v === 'string' ? v : JSON.stringify(v));
  }).join('; ');
}

export function Audit() {
  const [f, setF] = useState({ object_type: '', object_id: '', action: '', actor_id: '', since: '', until: '' });
  const [page, setPage] = useState(1);
  const set = (k) => (v) => { setF(Object.assign({}, f, { [k]: v })); setPage(1); };
  const params = Object.assign({}, f, { since: f.since ? f.since + 'T00:00:00+08:00' : '', until: f.until ? f.until + 'T23:59:59+08:00' : '', page: page, page_size: 50 });
  const list = useFetch('/audit' + query(params), getPage);
  const r = list.data;
  return html`<${Screen} title="审计日志">
    <${Filters}>
      <${Select} label="对象" value=${f.object_type} onChange=${set('object_type')} options=${TYPES} />
      <${Input} label="对象编号" value=${f.object_id} onInput=${set('object_id')} />
      <${Input} label="操作" value=${f.action} onInput=${set('action')} placeholder="代码, 如 update, reveal_phone" />
      <${Input} label="操作人编号" value=${f.actor_id} onInput=${set('actor_id')} />
      <${Input} label="自" type="date" value=${f.since} onInput=${set('since')} />
      <${Input} label="至" type="date" value=${f.until} onInput=${set('until')} />
    </${Filters}>
    <${Err} error=${list.error} onRetry=${list.reload} />
    ${list.loading && !r ? html`<${Loading} />` : null}
    ${r && !r.items.length ? html`<${Empty} text="没有记录" />` : null}
    ${r && r.items.length ? html`<div class="gc-table-wrap"><table class="gc-table"><thead><tr><th>时间</th><th>操作人</th><th>操作</th><th>对象</th><th>内容</th><th>IP</th></tr></thead>
      <tbody>${r.items.map((e) => html`<tr><td>${fmtDateTime(e.at)}</td><td>${e.actor_name}</td><td title=${e.action}>${actionText(e.action)}</td><td>${NAMES[e.object_type] || e.object_type} ${e.object_id || ''}</td>
        <td class="gc-clip" title=${JSON.stringify(e.summary)}>${summaryText(e.summary)}</td><td>${e.ip || ''}</td></tr>`)}</tbody></table></div>` : null}
    ${r ? html`<${Pager} page=${page} pages=${r.pages} total=${r.total} onPage=${setPage} />` : null}
  </${Screen}>`;
}
