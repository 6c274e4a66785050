// The admins' console (township and county admins, inspectors): a side menu of screens routed by the hash
// (#/review, #/hazards/12 …), desktop first and usable on a phone (the menu becomes a strip above the screen).
import { html, useEffect } from '../ui/html.js';
import * as api from '../api.js';
import { useRoute } from '../router.js';
import { ROLE_LABELS } from './common.js';
import { Review } from './review.js';
import { Dispatch } from './dispatch.js';
import { Hazards } from './hazards.js';
import { Bulletins } from './bulletins.js';
import { Rankings } from './rankings.js';
import { Tipoffs } from './tipoffs.js';
import { Places, Users } from './people.js';
import { Audit } from './audit.js';

const ADMINS = ['township_admin', 'county_admin'];
const ALL = ADMINS.concat(['inspector']);

// name → screen, label, roles that see it in the menu (the server still decides what each may do)
export const SCREENS = [
  { name: 'review', label: '照片审核', Screen: Review, roles: ADMINS },
  { name: 'dispatch', label: '每日调度', Screen: Dispatch, roles: ADMINS },
  { name: 'hazards', label: '隐患台账', Screen: Hazards, roles: ALL },
  { name: 'bulletins', label: '每日通报', Screen: Bulletins, roles: ADMINS },
  { name: 'rankings', label: '月排名', Screen: Rankings, roles: ALL },
  { name: 'tipoffs', label: '举报处置', Screen: Tipoffs, roles: ADMINS },
  { name: 'places', label: '场所', Screen: Places, roles: ALL },
  { name: 'users', label: '人员', Screen: Users, roles: ADMINS },
  { name: 'audit', label: '审计日志', Screen: Audit, roles: ['county_admin'] },
];

// The console's own style sheet, linked once (style-src 'self' allows a sheet from our tree, never inline).
function useStyleSheet() {
  useEffect(() => {
    if (document.getElementById('gc-css')) return;
    const link = document.createElement('link');
    link.id = 'gc-css';
    link.rel = 'stylesheet';
    link.href = new URL('../../css/console.css', import.meta.url).href;
    document.head.appendChild(link);
    document.body.classList.add('gc-body');
  }, []);
}

export function Console({ session }) {
  useStyleSheet();
  const user = session.user;
  const route = useRoute();
  const mine = SCREENS.filter((s) => s.roles.indexOf(user.role) >= 0);
  const current = mine.find((s) => s.name === route.name) || mine[0];
  const Screen = current.Screen;
  const scope = (user.areas || []).map((a) => a.name).join('、');
  return html`<div class="gc-app">
    <aside class="gc-side">
      <div class="gc-brand">网格巡查<small>管理后台</small></div>
      <nav class="gc-nav" aria-label="后台菜单">${mine.map((s) => html`
        <a href=${'#/' + s.name} class=${s === current ? 'gc-on' : ''} aria-current=${s === current ? 'page' : null}>${s.label}</a>`)}
      </nav>
      <div class="gc-who">
        <strong>${user.display_name}</strong>
        <span>${user.role_label || ROLE_LABELS[user.role] || user.role}${scope ? ' · ' + scope : ''}</span>
        <button type="button" class="gc-link" onClick=${async () => { await api.logout(); location.hash = '#/'; }}>退出登录</button>
      </div>
    </aside>
    <main class="gc-main">
      <${Screen} key=${current.name + '/' + route.args.join('/')} args=${current.name === route.name ? route.args : []}
        query=${route.query} session=${session} user=${user} />
    </main>
  </div>`;
}
