// The member screens by route name (#/<name>/<args…>).  To add one: write screens/<name>.js exporting a component
// ({args, query, session, box}) that renders a <Page title=…>, and list it here; `tab` names the tab it belongs to.
import { Today } from './today.js';
import { CheckIn } from './checkin.js';
import { Places } from './places.js';
import { Patrol } from './patrol.js';
import { Hazards } from './hazards.js';
import { Snap } from './snap.js';
import { Publicity } from './publicity.js';
import { Tasks } from './tasks.js';
import { Report } from './report.js';
import { Me } from './me.js';

export const SCREENS = {
  today: { Screen: Today, tab: 'today' },
  checkin: { Screen: CheckIn, tab: 'today' },
  places: { Screen: Places, tab: 'today' },
  patrol: { Screen: Patrol, tab: 'today' },
  snap: { Screen: Snap, tab: 'hazards' },
  publicity: { Screen: Publicity, tab: 'today' },
  report: { Screen: Report, tab: 'today' },
  hazards: { Screen: Hazards, tab: 'hazards' },
  tasks: { Screen: Tasks, tab: 'tasks' },
  me: { Screen: Me, tab: 'me' },
};

// WeChat's design guide: no more than four tabs.
export const TABS = [
  { name: 'today', label: '今日', icon: '☀' },
  { name: 'tasks', label: '任务', icon: '☑' },
  { name: 'hazards', label: '隐患', icon: '⚠' },
  { name: 'me', label: '我的', icon: '☺' },
];
