// What a member needs with no network, fetched while there is one: the grid's places and the checklist of every
// sector among them (kept in IndexedDB by ui/data.js and by the service worker).
// The screens' modules are imported here only when it runs, so they stay out of the first load.
import { load } from './ui/data.js';

let running = null;
export function prefetch() {
  if (!running) {
    running = (async () => {
      const { PLACES_PATH } = await import('./screens/places.js');
      const { loadChecklist } = await import('./screens/patrol.js');
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
