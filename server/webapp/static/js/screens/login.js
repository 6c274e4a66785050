// 登录: username and password; the tokens stay on the phone for the refresh token's life.
import { html, useState } from '../ui/html.js';
import * as api from '../api.js';
import * as outbox from '../outbox.js';
import { Page, Button, ErrorTips } from '../ui/widgets.js';

export function Login({ session, box }) {
  const expired = session && session.expired;
  const [username, setUsername] = useState(expired && session.user ? session.user.username : '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(ev) {
    ev.preventDefault();
    if (!username || !password) { setError('请输入账号和密码'); return; }
    setBusy(true); setError('');
    try {
      await api.login(username.trim(), password);
      outbox.resume();
      if (!location.hash || location.hash.indexOf('#/login') === 0) location.hash = '#/today';
    } catch (e) {
      setError(api.explain(e));
    } finally {
      setBusy(false);
    }
  }
  const others = box.others.length;
  return html`<${Page} title="登录 · 网格巡查" className="gp-login">
    <div class="gp-login-head"><h1>网格化安全巡查</h1><p>网格员 / 管理员登录</p></div>
    ${expired ? html`<div class="gp-banner" role="alert">登录已过期, 请重新登录。${box.waiting ? ' 手机上有 ' + box.waiting + ' 条待上传的记录, 登录后自动发送, 不会丢失。' : ''}</div>` : null}
    <form onSubmit=${submit} novalidate>
      <div class="weui-cells weui-cells_form">
        <label class="weui-cell weui-cell_active">
          <div class="weui-cell__hd"><span class="weui-label">账号</span></div>
          <div class="weui-cell__bd"><input class="weui-input" name="username" autocomplete="username" placeholder="请输入账号" aria-label="账号" value=${username} onInput=${(e) => setUsername(e.target.value)} /></div>
        </label>
        <label class="weui-cell weui-cell_active">
          <div class="weui-cell__hd"><span class="weui-label">密码</span></div>
          <div class="weui-cell__bd"><input class="weui-input" name="password" type="password" autocomplete="current-password" placeholder="请输入密码" aria-label="密码" value=${password} onInput=${(e) => setPassword(e.target.value)} /></div>
        </label>
      </div>
      <${ErrorTips} error=${error} />
      ${others ? html`<p class="weui-cells__tips">本机还有 ${others} 条其他账号的待上传记录, 只会在该账号登录后发送。</p>` : null}
      <div class="weui-btn-area"><${Button} type="submit" big disabled=${busy}>${busy ? '正在登录…' : '登录'}</${Button}></div>
    </form>
  </${Page}>`;
}
