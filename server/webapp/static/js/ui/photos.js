// Photos already on the server, shown by their short-lived thumbnail URLs (fetched per id).
import { html, useState, useEffect } from './html.js';
import * as api from '../api.js';

export function ServerPhotos({ ids }) {
  const [urls, setUrls] = useState([]);
  useEffect(() => {
    let alive = true;
    Promise.all((ids || []).map((id) => api.get('/photos/' + encodeURIComponent(id)).then((p) => p.thumbnail_url, () => null)))
      .then((u) => { if (alive) setUrls(u.filter(Boolean)); });
    return () => { alive = false; };
  }, [(ids || []).join(',')]);
  if (!ids || !ids.length) return null;
  return html`<ul class="weui-uploader__files gp-server-photos">${urls.map((u) => html`<li class="weui-uploader__file gp-thumb" key=${u}><img src=${u} alt="照片" /></li>`)}</ul>`;
}
