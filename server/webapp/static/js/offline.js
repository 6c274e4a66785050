// What a member needs with no network, fetched while there is one: the grid's places and the checklist of every
// sector among them (kept in IndexedDB by ui/data.js and by the service worker).
import { load } from './ui/data.js';
import { PLACES_PATH } from './screens/places.js';
import { loadChecklist } from './screens/patrol.js';

let running = null;
export function prefetch() {
  if (!running) {
    running = (async () => {
      const places = (await load(PLACES_PATH)).data || [];
      const sectors = {};
      places.forEach((p) => { if (!sectors[p.sector]) sectors[p.sector] = p; });
      for (const key of Object.keys(sectors)) await loadChecklist(sectors[key]);
      await load('/me/today');
      document.body.dataset.offlineReady = String(Date.now());   // places and checklists are on the phone
    })().catch(() => {}).finally(() => { setTimeout(() => { running = null; }, 60000); });
  }
  return running;
}
