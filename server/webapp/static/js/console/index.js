// The admins' console (township and county admins, inspectors): its screens go in this folder, routed from here.
import { html } from '../ui/html.js';
import * as api from '../api.js';
import { Page, Button } from '../ui/widgets.js';
import * as outbox from '../outbox.js';

export function Console({ session }) {
  const user = session.user;
  return html`<${Page} title="管理后台">
    <div class="weui-msg">
      <div class="weui-msg__text-area">
        <h2 class="weui-msg__title">管理后台</h2>
        <p class="weui-msg__desc">${user.display_name} (${user.role_label || user.role}), 后台功能建设中。</p>
      </div>
      <div class="weui-msg__opr-area"><p class="weui-btn-area">
        <${Button} kind="default" onClick=${async () => { if (!outbox.pendingCount()) { await api.logout(); location.hash = '#/'; } }}>退出登录</${Button}>
      </p></div>
    </div>
  </${Page}>`;
}
