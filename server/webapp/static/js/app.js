// The member app's shell: log-in gate, the router, the tab bar, the outbox started on load, the service worker.
// Members get the field screens below; admins (township, county) and inspectors get the console (js/console/).
import { html, render, useState, useEffect } from './ui/html.js';
import * as api from './api.js';
import * as outbox from './outbox.js';
import * as store from './store.js';
import { useRoute, go } from './router.js';
import { Overlays, Loading, alert } from './ui/widgets.js';
import { prefs, setCare } from './prefs.js';
import { Login } from './screens/login.js';
import { prefetch } from './offline.js';
import { SCREENS, TABS } from './screens/index.js';

const FIELD_ROLES = { member: true };

function TabBar({ current, waiting }) {
  return html`<nav class="weui-tabbar gp-tabbar" aria-label="主菜单">${TABS.map((t) => html`
    <a href=${'#/' + t.name} class=${'weui-tabbar__item' + (current === t.name ? ' weui-bar__item_on' : '')} aria-current=${current === t.name ? 'page' : null}>
      <span class="gp-tab-icon" aria-hidden="true">${t.icon}${t.name === 'me' && waiting ? html`<span class="weui-badge gp-tab-badge">${waiting}</span>` : null}</span>
      <p class="weui-tabbar__label">${t.label}</p>
    </a>`)}</nav>`;
}

function useSession() {
  const [s, setS] = useState(api.session());
  useEffect(() => api.on('tokens', (v) => setS(v)), []);
  return s;
}

function useOutbox() {
  const [snap, setSnap] = useState(outbox.snapshot());
  useEffect(() => outbox.subscribe(setSnap), []);
  return snap;
}

// A screen imported when first opened; once loaded it renders at once on every later visit.
const loadedScreens = {};
function LazyScreen({ entry, props }) {
  const [mod, setMod] = useState(loadedScreens[entry.name] || null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (mod) return;
    entry.load().then((m) => { loadedScreens[entry.name] = m; setMod(m); },
      (e) => setError('页面加载失败, 请检查网络后重试 (' + String(e && e.message || e) + ')'));
  }, [entry]);
  if (error) return html`<div class="gp-error" role="alert"><p>${error}</p><button type="button" class="weui-btn weui-btn_mini weui-btn_default" onClick=${() => location.reload()}>重试</button></div>`;
  if (!mod) return html`<${Loading} />`;
  const Screen = mod[entry.name];
  return html`<${Screen} ...${props} />`;
}

function FieldApp({ session, box }) {
  const route = useRoute();
  // what the member needs offline is fetched once the home screen had its turn on a weak link
  useEffect(() => {
    if (!navigator.onLine) return undefined;
    const t = setTimeout(prefetch, 1500);
    return () => clearTimeout(t);
  }, [session.user_id]);
  const screen = SCREENS[route.name] || SCREENS.today;
  const tab = TABS.some((t) => t.name === route.name) ? route.name : (screen.tab || '');
  const props = { args: route.args, query: route.query, session: session, box: box };
  const key = route.name + '/' + route.args.join('/');
  return html`<div class="gp-app">
    <main class="gp-main-area">
      ${box.paused ? html`<div class="gp-banner" role="alert">登录已过期: ${box.waiting} 条待上传的记录已保存在手机上, <a href="#/login">重新登录</a> 后自动发送</div>` : null}
      ${screen.Screen ? html`<${screen.Screen} key=${key} ...${props} />` : html`<${LazyScreen} key=${key} entry=${screen} props=${props} />`}
    </main>
    <${TabBar} current=${tab} waiting=${box.waiting} />
  </div>`;
}

// The console is loaded only for admins: members never download it, and a console module being worked on can
// never break the field screens.
function ConsoleLoader({ session }) {
  const [mod, setMod] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => { import('./console/index.js').then(setMod, (e) => setError(String(e && e.message || e))); }, []);
  if (error) return html`<div class="gp-error" role="alert">管理后台加载失败: ${error}</div>`;
  if (!mod) return html`<div class="gp-boot">正在加载管理后台…</div>`;
  const Console = mod.Console;
  return html`<${Console} session=${session} />`;
}

function Root() {
  const session = useSession();
  const box = useOutbox();
  const route = useRoute();
  useEffect(() => { setCare(prefs.care); }, []);
  let body;
  const needLogin = !session || session.expired || !session.user || route.name === 'login' && box.paused;
  if (needLogin) {
    body = html`<${Login} session=${session} box=${box} />`;
  } else if (!FIELD_ROLES[session.user.role]) {
    body = html`<${ConsoleLoader} session=${session} />`;
  } else {
    if (route.name === 'login') { go('today'); }
    body = html`<${FieldApp} session=${session} box=${box} />`;
  }
  return html`${body}<${Overlays} />`;
}

async function handOver() {
  // the mini-program's web-view opens /app/#ticket=…: exchange it once, then drop it from the address bar
  const m = /[#&?]ticket=([^&]+)/.exec(location.hash);
  if (!m) return;
  history.replaceState(null, '', location.pathname + '#/today');
  try {
    await api.exchangeTicket(decodeURIComponent(m[1]));
  } catch (e) {
    setTimeout(() => alert(api.explain(e) + ' 请用账号密码登录。', '微信登录未成功'), 0);
  }
}

function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch((e) => console.warn('service worker', e));
}

async function main() {
  await handOver();
  render(html`<${Root} />`, document.getElementById('root'));
  registerWorker();
  store.persist();
  await outbox.start();
}

main();
