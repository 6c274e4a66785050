// Hash routes (#/patrol/12?x=1): the shell is one URL, so the service worker serves it for every screen.
import { useState, useEffect } from './ui/html.js';

export function parse(hash) {
  const raw = (hash || '').replace(/^#\/?/, '');
  const [path, query] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = {};
  new URLSearchParams(query || '').forEach((v, k) => { params[k] = v; });
  return { name: parts[0] || '', args: parts.slice(1), query: params };
}

export function go(path) { location.hash = '#/' + path.replace(/^#?\/?/, ''); }
export function back(fallback) { if (history.length > 1) history.back(); else go(fallback || 'today'); }

export function useRoute() {
  const [route, setRoute] = useState(parse(location.hash));
  useEffect(() => {
    const on = () => { setRoute(parse(location.hash)); window.scrollTo(0, 0); };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
