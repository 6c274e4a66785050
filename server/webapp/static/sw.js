// The service worker (hand-written, after Enketo's offline-app-worker): the app shell of this build from the cache,
// network-first for the API reads a member needs offline (today, places, checklists, tasks, hazards) with the last
// good answer as fallback; writes always go to the network (the outbox keeps them in IndexedDB until they are sent).
const BUILD = '__BUILD__';
const SHELL = __SHELL__;
const SHELL_CACHE = 'gp-shell-' + BUILD;
const API_CACHE = 'gp-api';
const API_READS = [/^\/api\/v1\/me(\/today|\/tasks)?$/, /^\/api\/v1\/places$/, /^\/api\/v1\/places\/\d+$/,
  /^\/api\/v1\/checklists/, /^\/api\/v1\/hazards(\/\d+)?$/, /^\/api\/v1\/areas\/\d+$/, /^\/api\/v1\/reports\/draft$/,
  /^\/api\/v1\/publicity\/coverage$/, /^\/api\/v1\/rankings\/[\d-]+\/me$/];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k.indexOf('gp-shell-') === 0 && k !== SHELL_CACHE)
    .map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

self.addEventListener('message', (event) => {
  if (event.data === 'logout') event.waitUntil(caches.delete(API_CACHE));
});

// the cache holds one answer per URL and account (the token's subject), so one member never sees another's list
function apiKey(request) {
  let who = 'anon';
  try {
    const part = (request.headers.get('Authorization') || '').split('.')[1];
    if (part) who = String(JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))).sub);
  } catch (e) { /* an odd token only misses the cache */ }
  return request.url + (request.url.indexOf('?') >= 0 ? '&' : '?') + '__account=' + encodeURIComponent(who);
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === '/app/') {
    // this worker's own copy of the page names this build's files; a new release brings a new worker and page
    event.respondWith(caches.open(SHELL_CACHE).then((c) => c.match('/app/')).then((hit) => hit || fetch(req)));
    return;
  }
  if (url.pathname.indexOf('/app/s/') === 0) {
    event.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
    return;
  }
  if (API_READS.some((re) => re.test(url.pathname))) {
    event.respondWith(fetch(req).then((resp) => {
      if (resp.ok) { const copy = resp.clone(); caches.open(API_CACHE).then((c) => c.put(apiKey(req), copy)); }
      return resp;
    }).catch((err) => caches.match(apiKey(req)).then((hit) => hit || Promise.reject(err))));
  }
});
