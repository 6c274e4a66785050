// 场所 and 人员: places search and the CSV/XLSX import with its per-row error table; users and their WeChat binding
// codes (with a QR code of the code).
import { html, useState } from '../ui/html.js';
import * as api from '../api.js';
import { Screen, Btn, Select, Input, Filters, Loading, Err, Empty, Chip, Pager, Modal, useFetch, getPage, query, fmtDateTime, useBusy, ROLE_LABELS } from './common.js';
import { SECTORS } from '../screens/snap.js';

const RISKS = [['major', '重大风险'], ['high', '较大风险'], ['general', '一般风险'], ['low', '低风险']];
const RISK_TONE = { major: 'red', high: 'orange', general: 'yellow', low: 'blue' };

function Import({ onDone }) {
  const [file, setFile] = useState(null);
  const [report, setReport] = useState(null);
  const busy = useBusy();
  async function send(dry) {
    const body = new FormData();
    body.append('file', file, file.name);
    const out = await busy.run(() => api.request('POST', '/places/import' + (dry ? '?dry_run=true' : ''), { body: body, timeout: 120000 }));
    if (out) { setReport(out); if (!dry) onDone(); }
  }
  return html`<section class="gc-panel" aria-label="导入场所">
    <h2>导入场所 (CSV 或 XLSX)</h2>
    <div class="gc-form-row">
      <label class="gc-field"><span>文件</span><input type="file" aria-label="导入文件" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        onChange=${(e) => { setFile(e.target.files[0] || null); setReport(null); }} /></label>
      <${Btn} disabled=${!file || busy.busy} onClick=${() => send(true)}>检查 (不导入)</${Btn}>
      <${Btn} kind="primary" disabled=${!file || busy.busy} onClick=${() => send(false)}>导入</${Btn}>
    </div>
    <${Err} error=${busy.error} />
    ${report ? html`<div data-testid="import-report">
      <p class="gc-summary">${report.dry_run ? '检查结果' : '导入结果'}: 共 ${report.total_rows} 行, 新增 ${report.created}, 更新 ${report.updated}, 未变 ${report.unchanged},
        <strong class=${report.failed ? 'gc-warn' : ''}>出错 ${report.failed}</strong></p>
      ${report.errors.length ? html`<table class="gc-table" aria-label="出错的行"><thead><tr><th>行号</th><th>字段</th><th>问题</th></tr></thead>
        <tbody>${report.errors.map((e) => html`<tr><td>${e.row}</td><td>${e.field}</td><td>${e.message}</td></tr>`)}</tbody></table>` : null}
      ${report.errors_truncated ? html`<p class="gc-muted">出错的行太多, 只列出前面部分。</p>` : null}
    </div>` : null}
  </section>`;
}

export function Places({ user }) {
  const [f, setF] = useState({ q: '', sector: '', risk_level: '' });
  const [page, setPage] = useState(1);
  const list = useFetch('/places' + query(Object.assign({}, f, { page: page, page_size: 20 })), getPage);
  const set = (k) => (x) => { setF(Object.assign({}, f, { [k]: x })); setPage(1); };
  const r = list.data;
  const admin = user.role === 'county_admin' || user.role === 'township_admin';
  return html`<${Screen} title="场所">
    <${Filters}>
      <${Input} label="搜索" value=${f.q} onInput=${set('q')} placeholder="名称或信用代码" />
      <${Select} label="行业" value=${f.sector} onChange=${set('sector')} options=${SECTORS} />
      <${Select} label="风险等级" value=${f.risk_level} onChange=${set('risk_level')} options=${RISKS} />
    </${Filters}>
    <${Err} error=${list.error} onRetry=${list.reload} />
    ${list.loading && !r ? html`<${Loading} />` : null}
    ${r && !r.items.length ? html`<${Empty} text="没有符合条件的场所" />` : null}
    ${r && r.items.length ? html`<div class="gc-table-wrap"><table class="gc-table"><thead><tr><th>名称</th><th>行业</th><th>风险</th><th>地址</th><th>网格</th><th>联系人</th><th>更新</th></tr></thead>
      <tbody>${r.items.map((p) => html`<tr><td>${p.name}${p.credit_code ? html`<div class="gc-muted gc-mono">${p.credit_code}</div>` : null}</td><td>${p.sector_label || p.sector}</td>
        <td><${Chip} tone=${RISK_TONE[p.risk_level]}>${p.risk_label || p.risk_level}</${Chip}></td><td>${p.address}</td><td>${p.area ? p.area.name : ''}</td>
        <td>${p.contact_name || ''} ${p.contact_phone || ''}</td><td>${fmtDateTime(p.updated_at)}</td></tr>`)}</tbody></table></div>` : null}
    ${r ? html`<${Pager} page=${page} pages=${r.pages} total=${r.total} onPage=${setPage} />` : null}
    ${admin ? html`<${Import} onDone=${list.reload} />` : null}
  </${Screen}>`;
}

export function Users() {
  const [f, setF] = useState({ q: '', role: '' });
  const [page, setPage] = useState(1);
  const [code, setCode] = useState(null);
  const list = useFetch('/users' + query(Object.assign({}, f, { page: page, page_size: 20 })), getPage);
  const busy = useBusy();
  const set = (k) => (x) => { setF(Object.assign({}, f, { [k]: x })); setPage(1); };
  async function issue(u) {
    const out = await busy.run(() => api.post('/users/' + u.id + '/binding-code', {}));
    if (out) setCode(Object.assign({ user: u }, out));
  }
  const r = list.data;
  return html`<${Screen} title="人员">
    <${Filters}>
      <${Input} label="搜索" value=${f.q} onInput=${set('q')} placeholder="姓名或账号" />
      <${Select} label="角色" value=${f.role} onChange=${set('role')} options=${Object.keys(ROLE_LABELS).map((k) => [k, ROLE_LABELS[k]])} />
    </${Filters}>
    <${Err} error=${list.error || busy.error} onRetry=${list.error ? list.reload : null} />
    ${list.loading && !r ? html`<${Loading} />` : null}
    ${r && !r.items.length ? html`<${Empty} text="没有人员" />` : null}
    ${r && r.items.length ? html`<div class="gc-table-wrap"><table class="gc-table"><thead><tr><th>姓名</th><th>账号</th><th>角色</th><th>区域</th><th>电话</th><th>微信</th><th>状态</th><th></th></tr></thead>
      <tbody>${r.items.map((u) => html`<tr><td>${u.display_name}</td><td>${u.username}</td><td>${u.role_label || ROLE_LABELS[u.role]}</td>
        <td>${(u.areas || []).map((a) => a.name).join('、')}</td><td>${u.phone || ''}</td><td>${u.wechat_bound ? '已绑定' : '未绑定'}</td>
        <td>${u.active ? (u.locked_until ? html`<${Chip} tone="orange">已锁定</${Chip}>` : '正常') : html`<${Chip} tone="grey">停用</${Chip}>`}</td>
        <td>${u.role === 'member' && !u.wechat_bound ? html`<${Btn} small=${true} onClick=${() => issue(u)}>微信绑定码</${Btn}>` : null}</td></tr>`)}</tbody></table></div>` : null}
    ${r ? html`<${Pager} page=${page} pages=${r.pages} total=${r.total} onPage=${setPage} />` : null}
    ${code ? html`<${Modal} title=${'微信绑定码 · ' + code.user.display_name} onClose=${() => setCode(null)}>
      <div class="gc-bind">
        ${code.qr_png ? html`<img class="gc-qr" src=${code.qr_png} alt=${'绑定码二维码 ' + code.code} width="220" height="220" />` : null}
        <p class="gc-bind-code" data-testid="binding-code">${code.code}</p>
        <p class="gc-muted">请网格员在小程序中扫码或输入绑定码, ${fmtDateTime(code.expires_at)} 前有效, 只能使用一次。</p>
      </div>
    </${Modal}>` : null}
  </${Screen}>`;
}
