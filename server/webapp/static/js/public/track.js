// 进度查询 (/track and /track/<code>): the public steps and answer of a tip-off, nothing private.
import { html, render, useState, useEffect } from '../ui/html.js';
import * as api from '../api.js';
import { Page, Cells, Cell, Button, ErrorTips, Loading, fmtTime } from '../ui/widgets.js';
import { formatCode } from './common.js';
import { prefs, setCare } from '../prefs.js';

function codeFromPath() {
  const m = /^\/track\/([^/]+)/.exec(location.pathname);
  return m ? decodeURIComponent(m[1]) : '';
}

function Track() {
  const code = codeFromPath();
  const [typed, setTyped] = useState(code);
  const [t, setT] = useState(null);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(!!code);
  useEffect(() => {
    if (!code) return;
    api.get('/tipoffs/track/' + encodeURIComponent(code.replace(/[^0-9A-Za-z]/g, '')), { auth: false })
      .then(setT, (e) => setError(api.explain(e))).finally(() => setLoading(false));
  }, [code]);
  function go(ev) { ev.preventDefault(); const c = typed.replace(/[^0-9A-Za-z]/g, '').toUpperCase(); if (c) location.href = '/track/' + c; }
  return html`<${Page} title="举报进度查询">
    ${loading ? html`<${Loading} />` : null}
    <${ErrorTips} error=${error} />
    ${t ? html`
      <p class="gp-track-code">${formatCode(t.tracking_code)}</p>
      <${Cells}>
        <${Cell} label="类别" value=${t.category_label || t.category} />
        <${Cell} label="状态" value=${t.status_label || t.status} />
        <${Cell} label="受理单位" value=${t.agency} />
        <${Cell} label="提交时间" value=${fmtTime(t.received_at)} />
        <${Cell} label="更新时间" value=${fmtTime(t.updated_at)} />
      </${Cells}>
      ${t.answer ? html`<${Cells} title="处理答复"><div class="weui-cell"><div class="weui-cell__bd"><p class="gp-text" data-testid="track-answer">${t.answer}</p></div></div></${Cells}>` : null}
      ${(t.steps || []).length ? html`<div class="weui-cells__title">处理过程</div><div class="weui-cells gp-steps">${t.steps.map((s, i) => html`<div class="gp-step" key=${i}><p>${s.label || s.status_label || s.status || s.action}</p><p class="gp-sub">${fmtTime(s.at)}</p></div>`)}</div>` : null}` : null}
    <form onSubmit=${go}>${t ? html`<div class="weui-cells__title">查询其他举报</div>` : null}<div class="weui-cells weui-cells_form"><label class="weui-cell weui-cell_active"><div class="weui-cell__hd"><span class="weui-label">查询码</span></div>
      <div class="weui-cell__bd"><input class="weui-input" aria-label="查询码" placeholder="XXXX-XXXX-XX" value=${typed} onInput=${(e) => setTyped(e.target.value)} /></div></label></div>
      <div class="weui-btn-area"><${Button} type="submit" big>查询</${Button}></div></form>
    <div class="weui-btn-area"><a class="weui-btn weui-btn_default" href="/report">我要举报</a></div>
  </${Page}>`;
}

setCare(prefs.care);   // 大字模式 is a setting of the phone: the public pages follow it too
render(html`<${Track} />`, document.getElementById('root'));
