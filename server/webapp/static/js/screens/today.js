// 今日: clocked in or not, places due, open tasks, hazards to re-check, today's report, the outbox badge.
import { html } from '../ui/html.js';
import { Page, Cells, Cell, Loading, ErrorTips, today as localDay } from '../ui/widgets.js';
import { useLoad, OfflineNote } from '../ui/data.js';

function localRecords(box, type) {
  const day = localDay();
  return box.items.filter((i) => i.kind === 'record' && i.type === type && i.state !== 'sent'
    && new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(i.createdAt)) === day);
}

const REJECTED_LABELS = { checkin: '进岗打卡', visit: '巡查', publicity: '宣传', rectification: '整改' };

export function Today({ session, box }) {
  const t = useLoad('/me/today');
  const d = t.data;
  const queuedCheckin = localRecords(box, 'checkin').length > 0;
  const queuedVisits = localRecords(box, 'visit').length;
  const queuedReport = localRecords(box, 'report').length > 0;
  const rechecks = (d && d.rechecks) || [];
  const rejected = (d && d.rejected) || [];
  const otherTasks = d && d.tasks ? d.tasks.filter((a) => a.task.kind !== 'recheck') : [];
  const checkinText = d && d.checkin ? '已打卡 ' + new Date(d.checkin.occurred_at).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false })
    : queuedCheckin ? '已打卡 (待上传)' : '未打卡';
  const reportText = d && d.report ? (d.report.late ? '已提交 (迟报)' : '已提交') : queuedReport ? '已填写 (待上传)' : '未提交';
  return html`<${Page} title="今日">
    <div class="gp-hello"><strong>${session.user.display_name}</strong><span>${d ? d.date : localDay()}</span>
      <a href="#/me/outbox" class=${'gp-outbox-badge' + (box.waiting ? ' gp-waiting' : '')} data-testid="outbox-badge">${box.waiting ? '待上传 ' + box.waiting : '全部已上传'}</a></div>
    <${OfflineNote} state=${t} />
    ${t.loading && !d ? html`<${Loading} />` : null}
    <${ErrorTips} error=${t.error} onRetry=${t.reload} />
    <div class="gp-actions">
      <a class="gp-action gp-main" href="#/checkin"><span>进岗打卡</span><small>${checkinText}</small></a>
      <a class="gp-action gp-main" href="#/places"><span>巡查</span><small>${d ? '待巡 ' + d.places_due.length + ' 家' : ''}${queuedVisits ? ' · ' + queuedVisits + ' 条待上传' : ''}</small></a>
      <a class="gp-action" href="#/snap"><span>随手拍</span><small>上报隐患</small></a>
      <a class="gp-action" href="#/publicity"><span>宣传</span><small>${d ? '今日 ' + d.publicity.length + ' 次' : ''}</small></a>
    </div>
    ${d ? html`
      <${Cells} title="今日进度">
        <${Cell} label="进岗打卡" value=${checkinText} href="#/checkin" />
        <${Cell} label="今日巡查" value=${d.visits.length + ' 家' + (queuedVisits ? ' + ' + queuedVisits + ' 待上传' : '')} href="#/places" />
        <${Cell} label="日报" value=${reportText} href="#/report" />
        <${Cell} label="待办任务" value=${d.tasks.length + ' 项' + (d.tasks_overdue ? ', 逾期 ' + d.tasks_overdue : '')} href="#/tasks" />
      </${Cells}>
      ${rechecks.length ? html`<${Cells} title=${'待复核隐患 (' + rechecks.length + ')'}>${rechecks.map((h) => html`<${Cell} key=${h.id} label=${(h.place ? h.place.name + ': ' : '') + h.category} value=${h.deadline ? '期限 ' + h.deadline : '去复核'} href=${'#/hazards/' + h.id + '/recheck'} />`)}</${Cells}>` : null}
      ${rejected.length ? html`<${Cells} title="被驳回的记录">${rejected.map((r) => html`<div class="weui-cell" key=${r.type + r.id}><div class="weui-cell__bd"><p>${REJECTED_LABELS[r.type] || r.type} ${r.place ? r.place.name : ''} · ${r.day}</p><p class="gp-warn">驳回原因: ${r.reason || '未说明'}</p></div></div>`)}</${Cells}>` : null}
      ${otherTasks.length ? html`<${Cells} title="今日任务">${otherTasks.slice(0, 5).map((a) => html`<${Cell} key=${a.id} label=${a.task.title} value=${a.task.due_date < d.date ? '已逾期' : a.task.due_date === d.date ? '今日截止' : '截止 ' + a.task.due_date.slice(5)} href="#/tasks" />`)}</${Cells}>` : null}
      <${Cells} title=${'待巡查场所 (' + d.places_due.length + ')'}>
        ${d.places_due.length ? null : html`<div class="weui-cell"><div class="weui-cell__bd gp-sub">今日没有待巡查的场所</div></div>`}
        ${d.places_due.slice(0, 8).map((p) => html`<${Cell} key=${p.place.id} label=${p.place.name} value=${p.last_visit_day ? '上次 ' + p.last_visit_day : '未巡查'} href=${'#/patrol/' + p.place.id} />`)}
        ${d.places_due.length > 8 ? html`<${Cell} label="全部场所" href="#/places" />` : null}
      </${Cells}>` : null}
  </${Page}>`;
}
