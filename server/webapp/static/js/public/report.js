// 举报 (/report, no login): category, description, photos (purpose tipoff), GPS or a typed address, an optional name
// and phone with a short PIPL notice, a honeypot field people never see; the tracking code shown large.  A retry
// (a lost answer, a second tap) sends the same client_uuid and gets the same tracking code back.
import { html, render, useState, useEffect } from '../ui/html.js';
import * as api from '../api.js';
import { Page, Cells, Button, ErrorTips, Overlays, toast } from '../ui/widgets.js';
import { locate } from '../geo.js';
import { formatCode } from './common.js';
import { prefs, setCare } from '../prefs.js';


function Thumb({ file, onRemove }) {
  const [url, setUrl] = useState(null);
  useEffect(() => { const u = URL.createObjectURL(file); setUrl(u); return () => URL.revokeObjectURL(u); }, [file]);
  return html`<li class="weui-uploader__file gp-thumb">${url ? html`<img src=${url} alt="照片" />` : null}<button class="gp-thumb-x" aria-label="删除照片" onClick=${onRemove}>×</button></li>`;
}

function ReportForm() {
  const [cats, setCats] = useState([]);
  const [f, setF] = useState({ category: '', description: '', address: '', name: '', phone: '', website: '' });
  const [photos, setPhotos] = useState([]);   // [{file, id?}] ids once uploaded (kept for retries)
  const [fix, setFix] = useState(null);
  const [locating, setLocating] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [receipt, setReceipt] = useState(null);
  const [clientUuid] = useState(api.uuid());
  useEffect(() => { api.get('/tipoffs/categories', { auth: false }).then(setCats, (e) => setError(api.explain(e))); }, []);
  const set = (k) => (e) => setF(Object.assign({}, f, { [k]: e.target.value }));
  function useGps() { setLocating(true); locate().then((r) => { setFix(r); setLocating(false); }); }
  async function submit(ev) {
    ev.preventDefault();
    if (!f.category) { setError('请选择举报类别'); return; }
    if (!f.description.trim()) { setError('请描述看到的问题'); return; }
    if (!(fix && fix.lat != null) && !f.address.trim()) { setError('请定位或填写地址'); return; }
    setBusy(true); setError('');
    try {
      for (const p of photos) {
        if (p.id) continue;
        const form = new FormData();
        form.append('client_uuid', p.uuid);
        form.append('purpose', 'tipoff');
        form.append('file', p.file, p.file.name || 'photo.jpg');
        p.id = (await api.request('POST', '/photos', { body: form, auth: false, timeout: 120000 })).id;
      }
      const body = { client_uuid: clientUuid, category: f.category, description: f.description.trim(), photo_ids: photos.map((p) => p.id), website: f.website };
      if (fix && fix.lat != null) body.location = { lat: fix.lat, lng: fix.lng, accuracy: fix.accuracy, coord_system: 'wgs84' };
      if (f.address.trim()) body.address = f.address.trim();
      const madeIn = new URLSearchParams(location.search).get('township');  // the QR poster's township: routes an address without a point
      if (madeIn) body.township = madeIn.slice(0, 32);
      if (f.name.trim()) body.name = f.name.trim();
      if (f.phone.trim()) body.phone = f.phone.trim();
      setReceipt(await api.post('/tipoffs', body, { auth: false }));
    } catch (e) {
      setError(api.explain(e) + (e.transient ? ' 内容还在本页, 可再次点击提交, 不会重复举报。' : ''));
    } finally { setBusy(false); }
  }
  if (receipt) {
    const code = formatCode(receipt.tracking_code);
    return html`<${Page} title="举报已受理"><div class="weui-msg">
      <div class="weui-msg__icon-area"><i class="weui-icon-success weui-icon_msg"></i></div>
      <div class="weui-msg__text-area"><h2 class="weui-msg__title">举报已提交</h2>
        <p class="weui-msg__desc">${receipt.message || '请记下查询码, 用它查看处理进度。'}</p>
        <p class="gp-track-code" data-testid="tracking-code">${code}</p></div>
      <div class="weui-msg__opr-area"><p class="weui-btn-area">
        <${Button} onClick=${() => { (navigator.clipboard ? navigator.clipboard.writeText(code) : Promise.reject()).then(() => toast('已复制'), () => toast('请长按查询码复制')); }}>复制查询码</${Button}>
        <a class="weui-btn weui-btn_default" href=${'/track/' + encodeURIComponent(receipt.tracking_code)}>查看处理进度</a>
      </p></div></div></${Page}>`;
  }
  return html`<${Page} title="举报安全隐患">
    <form onSubmit=${submit} novalidate>
      <div class="gp-place-head"><strong>举报安全隐患</strong><p class="gp-sub">无需登录。我们会转给所在网格和乡镇处理。</p></div>
      <div class="weui-cells weui-cells_form">
        <label class="weui-cell weui-cell_active weui-cell_select weui-cell_select-after"><div class="weui-cell__hd"><span class="weui-label">类别</span></div>
          <div class="weui-cell__bd"><select class="weui-select" aria-label="举报类别" value=${f.category} onChange=${set('category')}><option value="">请选择</option>${cats.map((c) => html`<option value=${c.code}>${c.label}</option>`)}</select></div></label>
      </div>
      <${Cells} title="问题描述"><div class="weui-cell"><div class="weui-cell__bd"><textarea class="weui-textarea" rows="4" aria-label="问题描述" placeholder="看到了什么问题" value=${f.description} onInput=${set('description')}></textarea></div></div></${Cells}>
      <div class="weui-cells gp-pad"><div class="weui-uploader"><div class="weui-uploader__hd"><p class="weui-uploader__title">照片 (可选)</p><div class="weui-uploader__info">${photos.length}/9</div></div>
        <div class="weui-uploader__bd"><ul class="weui-uploader__files">${photos.map((p, i) => html`<${Thumb} key=${p.uuid} file=${p.file} onRemove=${(e) => { e.preventDefault(); setPhotos(photos.filter((_, j) => j !== i)); }} />`)}</ul>
        ${photos.length < 9 ? html`<label class="weui-uploader__input-box"><input class="weui-uploader__input" type="file" accept="image/*" aria-label="拍照或选择照片"
          onChange=${(e) => { const files = Array.from(e.target.files || []); e.target.value = ''; setPhotos(photos.concat(files.map((file) => ({ file: file, uuid: api.uuid() }))).slice(0, 9)); }} /></label>` : null}</div></div></div>
      <div class="weui-cells"><div class="weui-cell"><div class="weui-cell__bd"><p>位置</p><p class="gp-sub">${locating ? '正在定位…' : fix ? (fix.error || '已定位, 精度约 ' + fix.accuracy + ' 米') : '可定位或填写地址'}</p></div>
        <div class="weui-cell__ft"><button type="button" class="weui-btn weui-btn_mini weui-btn_default" onClick=${useGps}>${fix && !fix.error ? '重新定位' : '使用当前位置'}</button></div></div>
        <label class="weui-cell weui-cell_active"><div class="weui-cell__hd"><span class="weui-label">地址</span></div><div class="weui-cell__bd"><input class="weui-input" aria-label="地址" placeholder="如: 城关镇解放路 12 号" value=${f.address} onInput=${set('address')} /></div></label></div>
      <div class="weui-cells__title">联系方式 (可不填)</div>
      <div class="weui-cells weui-cells_form">
        <label class="weui-cell weui-cell_active"><div class="weui-cell__hd"><span class="weui-label">姓名</span></div><div class="weui-cell__bd"><input class="weui-input" aria-label="姓名" value=${f.name} onInput=${set('name')} /></div></label>
        <label class="weui-cell weui-cell_active"><div class="weui-cell__hd"><span class="weui-label">手机号</span></div><div class="weui-cell__bd"><input class="weui-input" type="tel" aria-label="手机号" value=${f.phone} onInput=${set('phone')} /></div></label>
      </div>
      <p class="gp-notice">个人信息说明: 姓名和手机号只用于核实举报和发放奖励, 加密保存, 仅经授权的工作人员可以查看, 不会公开, 也不会告诉被举报人。</p>
      <div class="gp-honeypot" aria-hidden="true"><label>网站<input tabindex="-1" autocomplete="off" name="website" value=${f.website} onInput=${set('website')} /></label></div>
      <${ErrorTips} error=${error} />
      <div class="weui-btn-area"><${Button} type="submit" big disabled=${busy}>${busy ? '正在提交…' : '提交举报'}</${Button}>
        <a class="weui-btn weui-btn_default" href="/track">查询举报进度</a></div>
    </form>
  </${Page}>`;
}

setCare(prefs.care);   // 大字模式 is a setting of the phone: the public pages follow it too
render(html`<${ReportForm} /><${Overlays} />`, document.getElementById('root'));
