// Settings of this phone (not of the account): 大字模式 (WeUI care mode, larger text and buttons).
const KEY = 'gridpatrol.prefs';
function load() { try { return JSON.parse(localStorage.getItem(KEY) || '{}'); } catch (e) { return {}; } }
export const prefs = load();
export function setCare(on) {
  prefs.care = !!on;
  localStorage.setItem(KEY, JSON.stringify(prefs));
  // WeUI's care mode sits on <body>; the root font size (rem, ≥ 18 px) on <html>
  [document.body, document.documentElement].forEach((el) => { if (on) el.dataset.weuiMode = 'care'; else delete el.dataset.weuiMode; });
}
