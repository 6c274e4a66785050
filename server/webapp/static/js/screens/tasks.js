// 任务: open and overdue assignments with place names; tasks of kind "other" are completed here (visits and
// publicity complete their own tasks on the server).
import { html, useState } from '../ui/html.js';
import * as outbox from '../outbox.js';
import { Page, Loading, ErrorTips, Empty, Button, toast, today } from '../ui/widgets.js';
import { useLoad, OfflineNote } from '../ui/data.js';
import { usePlaces } from './places.js';

export function Tasks() {
  const list = useLoad('/me/tasks?status=open');
  const places = usePlaces();
  const [notes, setNotes] = useState({});
  const names = {};
  (places.data || []).forEach((p) => { names[p.id] = p.name; });
  const day = today();
  const queued = {};
  outbox.snapshot().items.filter((i) => i.type === 'task_complete').forEach((i) => { queued[i.link] = i.state; });
  async function complete(a) {
    await outbox.addRecord({ type: 'task_complete', label: '完成任务 ' + a.task.title, endpoint: { method: 'POST', path: '/me/tasks/' + a.id + '/complete' }, link: 'task:' + a.id,
      body: { note: notes[a.id] || '已完成' } });
    toast('已保存, 待上传');
    list.reload();
  }
  const rows = (list.data || []).slice().sort((x, y) => (x.task.due_date < y.task.due_date ? -1 : 1));
  return html`<${Page} title="任务">
    <${OfflineNote} state=${list} />
    ${list.loading && !list.data ? html`<${Loading} />` : null}
    <${ErrorTips} error=${list.error} onRetry=${list.reload} />
    ${list.data && !rows.length ? html`<${Empty} text="没有待办任务" />` : null}
    ${rows.map((a) => {
      const overdue = a.task.due_date < day;
      const placeNames = (a.task.places || []).map((p) => p.name).concat((a.task.place_ids || []).filter((id) => !(a.task.places || []).some((p) => p.id === id)).map((id) => names[id] || '场所 #' + id));
      const progress = a.progress && a.progress.total ? a.progress.done + ' / ' + a.progress.total + ' 家已完成' : '';
      return html`<div class="weui-form-preview gp-task" key=${a.id} data-task=${a.id}>
      <div class="weui-form-preview__hd"><label class="weui-form-preview__label">${a.task.kind_label || a.task.kind}</label>
        <em class="weui-form-preview__value">${a.task.title}</em></div>
      <div class="weui-form-preview__bd">
        <div class="weui-form-preview__item"><label class="weui-form-preview__label">截止</label><span class=${'weui-form-preview__value' + (overdue ? ' gp-overdue' : '')}>${overdue ? '已逾期 · ' : ''}${a.task.due_date}</span></div>
        ${a.task.note ? html`<div class="weui-form-preview__item"><label class="weui-form-preview__label">说明</label><span class="weui-form-preview__value">${a.task.note}</span></div>` : null}
        ${placeNames.length ? html`<div class="weui-form-preview__item"><label class="weui-form-preview__label">场所</label><span class="weui-form-preview__value">${placeNames.join('、')}</span></div>` : null}
        ${progress ? html`<div class="weui-form-preview__item"><label class="weui-form-preview__label">进度</label><span class="weui-form-preview__value">${progress}</span></div>` : null}
      </div>
      ${a.task.kind === 'other' ? html`<div class="gp-pad">
        ${queued['task:' + a.id] ? html`<p class="gp-sub">已完成 (${outbox.STATE_LABELS[queued['task:' + a.id]]})</p>` : html`
        <input class="weui-input gp-task-note" aria-label=${'完成说明 ' + a.task.title} placeholder="完成情况 (可不填)" value=${notes[a.id] || ''} onInput=${(e) => setNotes(Object.assign({}, notes, { [a.id]: e.target.value }))} />
        <${Button} big onClick=${() => complete(a)}>标记完成</${Button}>`}</div>`
        : html`<div class="weui-form-preview__ft"><a class="weui-form-preview__btn weui-form-preview__btn_primary" href=${a.task.kind === 'publicity' ? '#/places?for=publicity' : a.task.kind === 'recheck' ? (a.task.hazard_id ? '#/hazards/' + a.task.hazard_id : '#/hazards') : '#/places'}>去完成</a></div>`}
    </div>`;
    })}
  </${Page}>`;
}
