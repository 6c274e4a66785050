// 隐患: the hazards of my grid (found by me or waiting for my re-check); detail with history and photos;
// 整改 (after-photos + statement) and 复核 (合格 / 不合格 with a reason and the next deadline), as the status allows.
import { html, useState } from '../ui/html.js';
import * as api from '../api.js';
import * as outbox from '../outbox.js';
import { Page, Cells, Cell, Button, PhotoPicker, SavedResult, Loading, ErrorTips, HazardLevelTag, Empty, fmtTime } from '../ui/widgets.js';
import { useLoad, OfflineNote } from '../ui/data.js';
import { ServerPhotos } from '../ui/photos.js';

const OPEN = 'status=reported&status=ordered&status=rectified&status=rechecked';
const STATUS = { reported: '已上报', ordered: '已责令整改', rectified: '已整改待复查', rechecked: '复查合格待销号', closed: '已销号', rejected: '不属于隐患' };
const ACTIONS = { create: '发现上报', order: '责令限期整改', reject: '不予认定', rectify: '整改完成', recheck: '复查', close: '销号', supervise: '挂牌督办', escalate: '逾期升级' };

export function Hazards({ args }) {
  if (args[0]) return html`<${HazardDetail} id=${Number(args[0])} action=${args[1]} />`;
  return html`<${HazardList} />`;
}

function HazardList() {
  const [which, setWhich] = useState('open');
  const list = useLoad('/hazards?page_size=50' + (which === 'open' ? '&' + OPEN : ''));
  return html`<${Page} title="隐患">
    <div class="weui-navbar gp-navbar">
      <button type="button" class=${'weui-navbar__item' + (which === 'open' ? ' weui-bar__item_on' : '')} onClick=${() => setWhich('open')}>未闭环</button>
      <button type="button" class=${'weui-navbar__item' + (which === 'all' ? ' weui-bar__item_on' : '')} onClick=${() => setWhich('all')}>全部</button>
    </div>
    <${OfflineNote} state=${list} />
    ${list.loading && !list.data ? html`<${Loading} />` : null}
    <${ErrorTips} error=${list.error} onRetry=${list.reload} />
    ${list.data && !list.data.length ? html`<${Empty} text="没有隐患" />` : null}
    <div class="weui-cells">${(list.data || []).map((h) => html`
      <a key=${h.id} class="weui-cell weui-cell_access" href=${'#/hazards/' + h.id}>
        <div class="weui-cell__bd"><p>${h.category}: ${h.description}</p><p class="gp-sub">${h.place ? h.place.name + ' · ' : ''}${h.found_day}${h.deadline ? ' · 期限 ' + h.deadline : ''}${h.overdue_days ? ' · 逾期 ' + h.overdue_days + ' 天' : ''}</p></div>
        <div class="weui-cell__ft gp-col"><${HazardLevelTag} level=${h.level} label=${h.level_label} /><small>${h.status_label || h.status}</small></div>
      </a>`)}</div>
    <div class="weui-btn-area"><a class="weui-btn weui-btn_default" href="#/snap">随手拍: 上报隐患</a></div>
  </${Page}>`;
}

function HazardDetail({ id, action }) {
  const d = useLoad('/hazards/' + id);
  const h = d.data;
  if (action === 'rectify' && h) return html`<${Rectify} hazard=${h} />`;
  if (action === 'recheck' && h) return html`<${Recheck} hazard=${h} />`;
  return html`<${Page} title="隐患详情">
    <${OfflineNote} state=${d} />
    ${d.loading && !h ? html`<${Loading} />` : null}
    <${ErrorTips} error=${d.error} onRetry=${d.reload} />
    ${h ? html`
      <${Cells} title=${'隐患 #' + h.id}>
        <${Cell} label="类别" value=${h.category} />
        <${Cell} label="等级" value=${html`<${HazardLevelTag} level=${h.level} label=${h.level_label} />`} />
        <${Cell} label="状态" value=${h.status_label || h.status} />
        ${h.place ? html`<${Cell} label="场所" value=${h.place.name} />` : null}
        ${h.deadline ? html`<${Cell} label="整改期限" value=${h.deadline + (h.overdue_days ? ' (逾期 ' + h.overdue_days + ' 天)' : '')} />` : null}
        <div class="weui-cell"><div class="weui-cell__bd"><p class="gp-sub">问题描述</p><p class="gp-text">${h.description}</p></div></div>
        ${h.rectification_statement ? html`<div class="weui-cell"><div class="weui-cell__bd"><p class="gp-sub">整改说明</p><p class="gp-text">${h.rectification_statement}</p></div></div>` : null}
        ${h.reject_reason ? html`<div class="weui-cell"><div class="weui-cell__bd"><p class="gp-sub">驳回原因</p><p class="gp-text">${h.reject_reason}</p></div></div>` : null}
      </${Cells}>
      ${h.photo_ids && h.photo_ids.length ? html`<div class="weui-cells__title">现场照片</div><div class="weui-cells gp-pad"><${ServerPhotos} ids=${h.photo_ids} /></div>` : null}
      ${h.after_photo_ids && h.after_photo_ids.length ? html`<div class="weui-cells__title">整改后照片</div><div class="weui-cells gp-pad"><${ServerPhotos} ids=${h.after_photo_ids} /></div>` : null}
      <div class="weui-cells__title">处理过程</div>
      <div class="weui-cells gp-history">${(h.history || []).map((e) => html`<div class="weui-cell" key=${e.id}><div class="weui-cell__bd"><p>${ACTIONS[e.action] || e.action} · ${e.actor_name}</p><p class="gp-sub">${fmtTime(e.at)} ${STATUS[e.to_status] || e.to_status}${e.data && e.data.note ? ' · ' + e.data.note : ''}${e.data && e.data.reason ? ' · ' + e.data.reason : ''}</p></div></div>`)}</div>
      <div class="weui-btn-area">
        ${(h.allowed_actions || []).indexOf('rectify') >= 0 ? html`<a class="weui-btn weui-btn_primary gp-main" href=${'#/hazards/' + h.id + '/rectify'}>整改</a>` : null}
        ${(h.allowed_actions || []).indexOf('recheck') >= 0 ? html`<a class="weui-btn weui-btn_primary gp-main" href=${'#/hazards/' + h.id + '/recheck'}>复核</a>` : null}
      </div>` : null}
  </${Page}>`;
}

function Rectify({ hazard }) {
  const [photos, setPhotos] = useState([]);
  const [statement, setStatement] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState(null);
  if (done) return html`<${Page} title="整改"><${SavedResult} item=${done} title="整改已提交" next=${html`<a class="weui-btn weui-btn_primary" href=${'#/hazards/' + hazard.id}>回到隐患</a>`} /></${Page}>`;
  async function submit() {
    if (!photos.length || !statement.trim()) { setError('请拍整改后照片并填写整改说明'); return; }
    setDone(await outbox.addRecord({ type: 'rectify', label: '整改 隐患#' + hazard.id, endpoint: { method: 'POST', path: '/hazards/' + hazard.id + '/rectify' },
      body: { photo_ids: photos, statement: statement.trim() } }));
  }
  return html`<${Page} title="整改">
    <div class="weui-cells__title">${hazard.category}: ${hazard.description}</div>
    <div class="weui-cells gp-pad"><${PhotoPicker} label="整改后照片" required photos=${photos} max=${9}
      onAdd=${async (f) => { const ref = await outbox.addPhoto(f, { purpose: 'rectification', place_id: hazard.place && hazard.place.id, claimed_time: new Date().toISOString() }); setPhotos((p) => p.concat([ref])); }}
      onRemove=${(ref) => { setPhotos(photos.filter((x) => x !== ref)); outbox.discard(ref.slice(3)); }} /></div>
    <${Cells} title="整改说明"><div class="weui-cell"><div class="weui-cell__bd"><textarea class="weui-textarea" rows="3" aria-label="整改说明" placeholder="整改了什么, 怎样整改的" value=${statement} onInput=${(e) => setStatement(e.target.value)}></textarea></div></div></${Cells}>
    <${ErrorTips} error=${error} />
    <div class="weui-btn-area"><${Button} big onClick=${submit}>提交整改</${Button}></div>
  </${Page}>`;
}

function Recheck({ hazard }) {
  const [result, setResult] = useState('');
  const [note, setNote] = useState('');
  const [deadline, setDeadline] = useState('');
  const [photos, setPhotos] = useState([]);
  const [error, setError] = useState('');
  const [done, setDone] = useState(null);
  if (done) return html`<${Page} title="复核"><${SavedResult} item=${done} title="复核已提交" next=${html`<a class="weui-btn weui-btn_primary" href=${'#/hazards/' + hazard.id}>回到隐患</a>`} /></${Page}>`;
  async function submit() {
    if (!result) { setError('请选择合格或不合格'); return; }
    if (result === 'fail' && (!note.trim() || !deadline)) { setError('不合格时请填写原因和新的整改期限'); return; }
    const body = { result: result, note: note.trim() || undefined, photo_ids: photos };
    if (result === 'fail') body.deadline = deadline;
    setDone(await outbox.addRecord({ type: 'recheck', label: '复核 隐患#' + hazard.id, endpoint: { method: 'POST', path: '/hazards/' + hazard.id + '/recheck' }, body: body }));
  }
  return html`<${Page} title="复核">
    <div class="weui-cells__title">${hazard.category}: ${hazard.description}</div>
    ${hazard.rectification_statement ? html`<div class="weui-cells"><div class="weui-cell"><div class="weui-cell__bd"><p class="gp-sub">整改说明</p><p class="gp-text">${hazard.rectification_statement}</p></div></div></div>` : null}
    ${(hazard.after_photo_ids || []).length ? html`<div class="weui-cells__title">整改后照片</div><div class="weui-cells gp-pad"><${ServerPhotos} ids=${hazard.after_photo_ids} /></div>` : null}
    <div class="weui-cells__title">复核结果</div>
    <div class="gp-choices gp-pad" role="radiogroup" aria-label="复核结果">
      <button type="button" role="radio" aria-checked=${result === 'pass' ? 'true' : 'false'} class=${'gp-choice' + (result === 'pass' ? ' gp-on' : '')} onClick=${() => setResult('pass')}>合格</button>
      <button type="button" role="radio" aria-checked=${result === 'fail' ? 'true' : 'false'} class=${'gp-choice' + (result === 'fail' ? ' gp-on' : '')} onClick=${() => setResult('fail')}>不合格</button>
    </div>
    <${Cells} title=${result === 'fail' ? '不合格原因 (必填)' : '复核意见'}><div class="weui-cell"><div class="weui-cell__bd"><textarea class="weui-textarea" rows="2" aria-label="复核意见" placeholder=${result === 'fail' ? '还有什么没整改到位' : '可不填'} value=${note} onInput=${(e) => setNote(e.target.value)}></textarea></div></div></${Cells}>
    ${result === 'fail' ? html`<${Cells} title="新的整改期限"><div class="weui-cell"><div class="weui-cell__bd"><input class="weui-input" type="date" aria-label="新的整改期限" value=${deadline} onInput=${(e) => setDeadline(e.target.value)} /></div></div></${Cells}>` : null}
    <div class="weui-cells gp-pad"><${PhotoPicker} label="复核照片 (可选)" photos=${photos} max=${9}
      onAdd=${async (f) => { const ref = await outbox.addPhoto(f, { purpose: 'rectification', claimed_time: new Date().toISOString() }); setPhotos((p) => p.concat([ref])); }}
      onRemove=${(ref) => { setPhotos(photos.filter((x) => x !== ref)); outbox.discard(ref.slice(3)); }} /></div>
    <${ErrorTips} error=${error} />
    <div class="weui-btn-area"><${Button} big onClick=${submit}>提交复核</${Button}></div>
  </${Page}>`;
}
