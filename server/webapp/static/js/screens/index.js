// The member screens by route name (#/<name>/<args…>).  To add one: write screens/<name>.js exporting a component
// ({args, query, session, box}) that renders a <Page title=…>, and list it here; `tab` names the tab it belongs to.
// Only the home screen (今日) is in the first load: on a 400 ms link every module is a round trip, so the others are
// imported when first opened (the service worker keeps them all on the phone for offline use).
import { Today } from './today.js';

export const SCREENS = {
  today: { Screen: Today, tab: 'today' },
  checkin: { load: () => import('./checkin.js'), name: 'CheckIn', tab: 'today' },
  places: { load: () => import('./places.js'), name: 'Places', tab: 'today' },
  patrol: { load: () => import('./patrol.js'), name: 'Patrol', tab: 'today' },
  snap: { load: () => import('./snap.js'), name: 'Snap', tab: 'hazards' },
  publicity: { load: () => import('./publicity.js'), name: 'Publicity', tab: 'today' },
  report: { load: () => import('./report.js'), name: 'Report', tab: 'today' },
  hazards: { load: () => import('./hazards.js'), name: 'Hazards', tab: 'hazards' },
  tasks: { load: () => import('./tasks.js'), name: 'Tasks', tab: 'tasks' },
  me: { load: () => import('./me.js'), name: 'Me', tab: 'me' },
};

// WeChat's design guide: no more than four tabs.
export const TABS = [
  { name: 'today', label: '今日', icon: '☀' },
  { name: 'tasks', label: '任务', icon: '☑' },
  { name: 'hazards', label: '隐患', icon: '⚠' },
  { name: 'me', label: '我的', icon: '☺' },
];
