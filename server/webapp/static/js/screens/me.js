// 我的: my ranking this month metric by metric against the township median, the outbox with every item's state
// (fix or discard what needs it), 大字模式, and logout (refused while items wait to be sent).
import { html, useState, useEffect } from '../ui/html.js';
import * as api from '../api.js';
import * as outbox from '../outbox.js';
import { Page, Cells, Cell, Button, StateTag, Empty, Loading, alert, confirm, fmtTime, today } from '../ui/widgets.js';
import { useLoad } from '../ui/data.js';
import { prefs, setCare } from '../prefs.js';

function prevMonth(m) {
  const [y, mm] = m.split('-').map(Number);
  return mm === 1 ? (y - 1) + '-12' : y + '-' + String(mm - 1).padStart(2, '0');
}

function Ranking() {
  const month = today().slice(0, 7);
  const [m, setM] = useState(month);
  const r = useLoad('/rankings/' + m + '/me');
  useEffect(() => { if (r.status === 404 && m === month) setM(prevMonth(month)); }, [r.status]);
  if (r.loading && !r.data) return html`<${Loading} />`;
  if (!r.data) return html`<${Cells} title="我的排名"><${Cell} label="本月排名尚未计算" /></${Cells}>`;
  const d = r.data;
  // not_published / not_ranked: the server says why, in words for the member
  if (d.status && d.status !== 'ranked') {
    return html`<${Cells} title=${d.month + ' 排名'}><${Cell} label=${d.message || '本月排名尚未发布'} /></${Cells}>`;
  }
  return html`<${Cells} title=${d.month + ' 排名 (' + d.township_name + ')'}>
    <${Cell} label="乡镇内排名" value=${d.township_rank + ' / ' + d.township_members} />
    <${Cell} label="得分" value=${d.score + (d.township_median_score != null ? ' (乡镇中位数 ' + d.township_median_score + ')' : '')} />
    ${(d.metrics || []).map((x) => html`<div class="weui-cell" key=${x.name}><div class="weui-cell__bd"><p>${x.label}</p>
      <p class="gp-sub">我: ${x.raw != null ? x.raw : '-'}${x.num != null && x.den != null ? ' (' + x.num + '/' + x.den + ')' : ''} · 乡镇中位数: ${x.township_median && x.township_median.raw != null ? x.township_median.raw : '-'}</p></div>
      <div class="weui-cell__ft">${x.penalty ? '扣 ' : ''}${x.points} / ${x.full_marks} 分</div></div>`)}
  </${Cells}>`;
}

export function Outbox({ box }) {
  const list = box.items.slice().reverse();
  const [open, setOpen] = useState(null);
  return html`<div class="gp-outbox">
    <div class="weui-cells__title">待上传 (${box.waiting})${box.paused ? ' · 已暂停, 请重新登录' : ''}</div>
    ${list.length ? null : html`<${Empty} text="手机上没有记录" />`}
    <div class="weui-cells">${list.map((i) => html`<div class="weui-cell gp-outbox-item" key=${i.id} data-state=${i.state} data-type=${i.type}>
      <div class="weui-cell__bd"><p>${i.label}</p><p class="gp-sub">${fmtTime(new Date(i.createdAt).toISOString())}${i.error && i.state !== 'sent' ? ' · ' + i.error.message : ''}</p>
        ${i.state === 'needs_action' ? html`<div class="gp-fix">
          <button type="button" class="weui-btn weui-btn_mini weui-btn_default" onClick=${() => outbox.retry(i.id)}>重新发送</button>
          <button type="button" class="weui-btn weui-btn_mini weui-btn_warn" onClick=${async () => { if (await confirm('放弃后这条记录不会上传, 也无法恢复。', '放弃这条记录?', '放弃', '保留')) outbox.discard(i.id); }}>放弃</button></div>` : null}
      </div>
      <div class="weui-cell__ft"><${StateTag} state=${i.state} /></div></div>`)}</div>
    ${box.others.length ? html`<p class="weui-cells__tips">另有 ${box.others.length} 条其他账号的记录, 只在该账号登录后发送。</p>` : null}
    <p class="weui-cells__tips">记录先保存在手机上, 有网络时自动上传。待上传期间请不要清除微信缓存。</p>
  </div>`;
}

export function Me({ session, box, args }) {
  const [care, setCareState] = useState(!!prefs.care);
  const u = session.user;
  if (args[0] === 'outbox') {
    return html`<${Page} title="待上传"><${Outbox} box=${box} /><div class="weui-btn-area"><${Button} kind="default" big onClick=${() => outbox.drain()}>立即上传</${Button}></div></${Page}>`;
  }
  async function logout() {
    if (box.waiting) {
      await alert('还有 ' + box.waiting + ' 条记录没有上传, 退出会让它们无法发送。请等上传完成 (或处理"需处理"的记录) 后再退出。', '暂不能退出');
      return;
    }
    if (await confirm('确定退出登录?', '退出登录', '退出')) { await api.logout(); location.hash = '#/'; }
  }
  return html`<${Page} title="我的">
    <${Cells}>
      <${Cell} label=${u.display_name} value=${u.role_label || u.role} />
      <${Cell} label="网格" value=${(u.areas || []).map((a) => a.name).join('、')} />
      <${Cell} label="待上传" value=${box.waiting ? box.waiting + ' 条' : '全部已上传'} href="#/me/outbox" badge=${box.needsAction || null} />
    </${Cells}>
    <${Ranking} />
    <div class="weui-cells weui-cells_form"><label class="weui-cell weui-cell_switch">
      <div class="weui-cell__bd"><span>大字模式</span><p class="gp-sub">字更大, 按钮更大, 对比更强</p></div>
      <div class="weui-cell__ft"><span class="weui-switch-cp"><input class="weui-switch-cp__input" type="checkbox" role="switch" aria-label="大字模式" checked=${care}
        onChange=${(e) => { setCare(e.target.checked); setCareState(e.target.checked); }} /><span class="weui-switch-cp__box"></span></span></div>
    </label></div>
    <${Cells} title="其他"><${Cell} label="日报" href="#/report" /><${Cell} label="宣传覆盖" href="#/publicity" /><${Cell} label="网格场所" href="#/places" /></${Cells}>
    <div class="weui-btn-area"><${Button} kind="warn" onClick=${logout}>退出登录</${Button}></div>
  </${Page}>`;
}
