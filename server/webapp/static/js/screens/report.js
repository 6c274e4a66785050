// 日报: the day as the server recorded it (/reports/draft), notes, submit; a report after the day's end is late.
import { html, useState } from '../ui/html.js';
import * as outbox from '../outbox.js';
import { Page, Cells, Cell, Button, SavedResult, Loading, ErrorTips, today } from '../ui/widgets.js';
import { useLoad, OfflineNote } from '../ui/data.js';

export function Report() {
  const day = today();
  const d = useLoad('/reports/draft?date=' + day);
  const [notes, setNotes] = useState('');
  const [nothing, setNothing] = useState(false);
  const [done, setDone] = useState(null);
  const r = d.data;
  if (done) return html`<${Page} title="日报"><${SavedResult} item=${done} title="日报已提交" /></${Page}>`;
  async function submit() {
    setDone(await outbox.addRecord({ type: 'report', label: '日报 ' + day, body: { date: day, device_time: new Date().toISOString(), notes: notes, nothing_found: nothing } }));
  }
  const queued = outbox.snapshot().items.find((i) => i.type === 'report' && i.body.date === day && i.state !== 'sent');
  return html`<${Page} title="日报">
    <${OfflineNote} state=${d} />
    ${d.loading && !r ? html`<${Loading} />` : null}
    <${ErrorTips} error=${d.error} onRetry=${d.reload} />
    ${r ? html`
      <${Cells} title=${'今日工作 ' + r.date}>
        <${Cell} label="进岗打卡" value=${r.checkin ? '已打卡' : '未打卡'} />
        <${Cell} label="巡查场所" value=${r.visits.length + ' 家'} />
        <${Cell} label="发现隐患" value=${r.hazards.length + ' 项'} />
        <${Cell} label="宣传" value=${r.publicity.length + ' 次'} />
        <${Cell} label="完成任务" value=${r.tasks_done.length + ' 项, 未完成 ' + r.tasks_open.length + ' 项'} />
        ${r.submitted ? html`<${Cell} label="日报" value=${r.submitted.late ? '已提交 (迟报)' : '已提交'} />` : null}
      </${Cells}>
      ${queued ? html`<p class="weui-cells__tips">今日日报已保存在手机上 (${outbox.STATE_LABELS[queued.state]})。</p>` : null}
      <${Cells} title="补充说明"><div class="weui-cell"><div class="weui-cell__bd"><textarea class="weui-textarea" rows="3" aria-label="日报说明" placeholder="今日工作情况" value=${notes} onInput=${(e) => setNotes(e.target.value)}></textarea></div></div></${Cells}>
      <div class="weui-cells weui-cells_checkbox"><label class="weui-cell weui-cell_active weui-check__label">
        <div class="weui-cell__hd"><input type="checkbox" class="weui-check" checked=${nothing} onChange=${(e) => setNothing(e.target.checked)} /><i class="weui-icon-checked"></i></div>
        <div class="weui-cell__bd"><p>今日未发现隐患</p></div></label></div>
      <div class="weui-btn-area"><${Button} big onClick=${submit}>${r.submitted ? '重新提交日报' : '提交日报'}</${Button}></div>` : null}
  </${Page}>`;
}
