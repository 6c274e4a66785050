// Shared widgets in WeUI's classes: cells, buttons, dialogs, toasts, result pages, risk tags, the photo picker.
import { html, useState, useEffect, useRef } from './html.js';
import * as outbox from '../outbox.js';

export function Page({ title, children, className }) {
  useEffect(() => { if (title) document.title = title; }, [title]);
  return html`<div class=${'page ' + (className || '')}>${children}</div>`;
}

export function Cells({ title, children, footer }) {
  return html`
    ${title ? html`<div class="weui-cells__title">${title}</div>` : null}
    <div class="weui-cells">${children}</div>
    ${footer ? html`<div class="weui-cells__tips">${footer}</div>` : null}`;
}

export function Cell({ label, value, href, onClick, children, badge }) {
  const access = !!(href || onClick);
  const body = html`
    <div class="weui-cell__bd"><p>${label}</p>${children}</div>
    <div class="weui-cell__ft">${badge ? html`<span class="weui-badge">${badge}</span>` : null}${value}</div>`;
  if (href) return html`<a class="weui-cell weui-cell_access" href=${href}>${body}</a>`;
  if (onClick) return html`<div role="button" tabindex="0" class="weui-cell weui-cell_access" onClick=${onClick}>${body}</div>`;
  return html`<div class=${'weui-cell' + (access ? ' weui-cell_access' : '')}>${body}</div>`;
}

export function Button({ kind, onClick, disabled, children, big, type, href }) {
  const cls = 'weui-btn weui-btn_' + (kind || 'primary') + (disabled ? ' weui-btn_disabled' : '') + (big ? ' gp-main' : '');
  if (href) return html`<a class=${cls} href=${href} role="button">${children}</a>`;
  return html`<button type=${type || 'button'} class=${cls} disabled=${disabled} onClick=${onClick}>${children}</button>`;
}

export function Loading({ text }) {
  return html`<div class="weui-loadmore" role="status"><i class="weui-loading"></i><span class="weui-loadmore__tips">${text || '正在加载'}</span></div>`;
}

export function ErrorTips({ error, onRetry }) {
  if (!error) return null;
  return html`<div class="gp-error" role="alert"><p>${error}</p>${onRetry ? html`<button class="weui-btn weui-btn_mini weui-btn_default" onClick=${onRetry}>重试</button>` : null}</div>`;
}

// Toasts only for light success (WeUI's guidance); failures get a dialog that says why.
let toastSetter = null;
let dialogSetter = null;
export function Overlays() {
  const [toast, setToast] = useState(null);
  const [dialog, setDialog] = useState(null);
  toastSetter = setToast;
  dialogSetter = setDialog;
  return html`
    ${toast ? html`<div role="status"><div class="weui-mask_transparent"></div><div class="weui-toast"><i class="weui-icon-success-no-circle weui-icon_toast"></i><p class="weui-toast__content">${toast}</p></div></div>` : null}
    ${dialog ? html`<div role="dialog" aria-modal="true"><div class="weui-mask"></div><div class="weui-dialog">
      ${dialog.title ? html`<div class="weui-dialog__hd"><strong class="weui-dialog__title">${dialog.title}</strong></div>` : null}
      <div class="weui-dialog__bd">${dialog.text}</div>
      <div class="weui-dialog__ft">${dialog.buttons.map((b) => html`<button type="button" class=${'weui-dialog__btn weui-dialog__btn_' + (b.primary ? 'primary' : 'default')} onClick=${() => { setDialog(null); b.resolve(); }}>${b.label}</button>`)}</div>
    </div></div>` : null}`;
}
export function toast(text) {
  if (!toastSetter) return;
  toastSetter(text);
  setTimeout(() => toastSetter && toastSetter(null), 1500);
}
export function alert(text, title) {
  return new Promise((resolve) => dialogSetter && dialogSetter({ title: title, text: text, buttons: [{ label: '知道了', primary: true, resolve: () => resolve(true) }] }));
}
export function confirm(text, title, yes, no) {
  return new Promise((resolve) => dialogSetter && dialogSetter({
    title: title, text: text,
    buttons: [{ label: no || '取消', resolve: () => resolve(false) }, { label: yes || '确定', primary: true, resolve: () => resolve(true) }],
  }));
}

const RISK = {
  major: ['重大风险', 'red'], high: ['较大风险', 'orange'], general: ['一般风险', 'yellow'], low: ['低风险', 'blue'],
};
const HAZARD_LEVEL = { major: ['重大隐患', 'red'], general: ['一般隐患', 'orange'] };
export function RiskTag({ level, label }) {
  const r = RISK[level] || [label || level, 'grey'];
  return html`<span class=${'gp-tag gp-' + r[1]}>${label || r[0]}</span>`;
}
export function HazardLevelTag({ level, label }) {
  const r = HAZARD_LEVEL[level] || [label || level, 'grey'];
  return html`<span class=${'gp-tag gp-' + r[1]}>${label || r[0]}</span>`;
}

export function StateTag({ state }) {
  return html`<span class=${'gp-state gp-state-' + state}>${outbox.STATE_LABELS[state] || state}</span>`;
}

// "Saved on the phone" and "sent" never look alike: the result page says which.
export function SavedResult({ item, title, next }) {
  const [state, setState] = useState(item ? item.state : 'pending');
  useEffect(() => outbox.subscribe(() => { const i = item && outbox.find(item.id); if (i) setState(i.state); }), [item && item.id]);
  const sentOk = state === 'sent';
  const problem = state === 'needs_action';
  return html`<div class="weui-msg">
    <div class="weui-msg__icon-area"><i class=${sentOk ? 'weui-icon-success weui-icon_msg' : problem ? 'weui-icon-warn weui-icon_msg' : 'weui-icon-waiting weui-icon_msg'}></i></div>
    <div class="weui-msg__text-area">
      <h2 class="weui-msg__title">${sentOk ? title + ', 已上传' : problem ? '需处理' : '已保存在手机上, 尚未上传'}</h2>
      <p class="weui-msg__desc" data-testid="result-state">${sentOk ? '服务器已收到。' : problem ? (outbox.find(item.id).error || {}).message : '有网络时会自动上传, 请不要清除微信缓存。可在"我的 › 待上传"查看进度。'}</p>
    </div>
    <div class="weui-msg__opr-area"><p class="weui-btn-area">${next || html`<a class="weui-btn weui-btn_primary" href="#/today">回到今日</a>`}</p></div>
  </div>`;
}

// Camera first (capture="environment" is only a hint, the album stays available); accept="image/*" because a
// narrow list breaks the camera on some Android phones.  Files go to the outbox as they are: no re-encoding.
export function PhotoPicker({ photos, onAdd, onRemove, label, max, required, big, compact }) {
  const input = useRef(null);
  const [urls, setUrls] = useState({});
  const live = useRef({});   // the object URLs made so far, for the unmount below (its closure would see the first {})
  live.current = urls;
  useEffect(() => {
    let alive = true;
    const made = [];
    Promise.all(photos.map(async (ref) => [ref, urls[ref] || await outbox.photoURL(ref)])).then((pairs) => {
      if (!alive) { pairs.forEach((p) => p[1] && !urls[p[0]] && URL.revokeObjectURL(p[1])); return; }
      const next = {};
      pairs.forEach((p) => { next[p[0]] = p[1]; if (!urls[p[0]]) made.push(p[1]); });
      Object.keys(urls).forEach((k) => { if (!next[k] && urls[k]) URL.revokeObjectURL(urls[k]); });
      setUrls(next);
    });
    return () => { alive = false; };
  }, [photos.join(',')]);
  useEffect(() => () => { const u = live.current; Object.keys(u).forEach((k) => u[k] && URL.revokeObjectURL(u[k])); }, []);
  const full = max && photos.length >= max;
  const pick = (ev) => { const files = Array.from(ev.target.files || []); ev.target.value = ''; files.forEach((f) => onAdd(f)); };
  if (compact && !photos.length) {
    // an optional photo: one small button instead of an empty uploader under every checklist item
    return html`<label class="gp-mini-camera">＋ ${label || '照片'}<input class="gp-file" type="file" accept="image/*" capture="environment" aria-label=${(label || '照片') + ' 拍照'} onChange=${pick} /></label>`;
  }
  return html`<div class="weui-uploader gp-uploader">
    <div class="weui-uploader__hd"><p class="weui-uploader__title">${label || '照片'}${required ? html`<span class="gp-req"> (必须拍照)</span>` : null}</p><div class="weui-uploader__info">${photos.length}${max ? '/' + max : ''}</div></div>
    <div class="weui-uploader__bd">
      <ul class="weui-uploader__files">${photos.map((ref) => html`<li class="weui-uploader__file gp-thumb" key=${ref}>
        ${urls[ref] ? html`<img src=${urls[ref]} alt="照片" />` : null}
        ${onRemove ? html`<button class="gp-thumb-x" aria-label="删除照片" onClick=${() => onRemove(ref)}>×</button>` : null}</li>`)}</ul>
      ${full ? null : html`<label class=${'weui-uploader__input-box gp-camera' + (big ? ' gp-main' : '')}>
        <input ref=${input} class="weui-uploader__input" type="file" accept="image/*" capture="environment"
          aria-label=${(label || '照片') + ' 拍照'}
          onChange=${pick} />
      </label>`}
    </div></div>`;
}

export function Empty({ text }) { return html`<div class="gp-empty">${text}</div>`; }

export function fmtTime(iso) {
  if (!iso) return '';
  return new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));
}
export function today() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}
