// A small map drawn as SVG (no tile server): the grid's boundary, the place, the claimed point, the photo's EXIF
// point, and the distances between them.  Coordinates are WGS-84 [lng, lat]; an equirectangular projection is
// plenty at a grid's size.
import { html } from '../ui/html.js';

const R = 6371008.8;
export function metres(a, b) {
  if (!a || !b) return null;
  const rad = Math.PI / 180;
  const dlat = (b.lat - a.lat) * rad;
  const dlng = (b.lng - a.lng) * rad;
  const h = Math.sin(dlat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dlng / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}
export function fmtMetres(m) {
  if (m === null || m === undefined) return '—';
  return m >= 1000 ? (m / 1000).toFixed(m >= 10000 ? 0 : 1) + ' 公里' : Math.round(m) + ' 米';
}

function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return [].concat.apply([], geometry.coordinates);
  return [];
}

const POINTS = [
  ['place', '场所', 'gc-pt-place'],
  ['claimed', '上报位置', 'gc-pt-claimed'],
  ['exif', '照片 GPS', 'gc-pt-exif'],
];

// Where a point's label goes: the first of right, left, above, below whose box stays inside the map and crosses
// neither the grid's outline nor a label already placed (else the side that crosses least), so no text sits on a line.
const CHAR_W = 11.5;
const LABEL_H = 14;
function crosses(seg, box) {
  const [ax, ay, bx, by] = seg;
  if (Math.max(ax, bx) < box.x0 || Math.min(ax, bx) > box.x1 || Math.max(ay, by) < box.y0 || Math.min(ay, by) > box.y1) return false;
  const side = (x, y) => (bx - ax) * (y - ay) - (by - ay) * (x - ax);
  const s = [side(box.x0, box.y0), side(box.x1, box.y0), side(box.x0, box.y1), side(box.x1, box.y1)];
  return !(s.every((v) => v > 0) || s.every((v) => v < 0));
}
function placeLabels(points, segments, W, H) {
  const placed = [];
  return points.map((pt) => {
    const w = pt.text.length * CHAR_W;
    const options = [];
    [10, 30, 54].forEach((d, far) => {
      options.push({ far: far, d: d, x: pt.x + d, y: pt.y + 4, anchor: 'start', box: { x0: pt.x + d - 2, x1: pt.x + d + w, y0: pt.y - 8, y1: pt.y + 6 } });
      options.push({ far: far, d: -d, x: pt.x - d, y: pt.y + 4, anchor: 'end', box: { x0: pt.x - d - w, x1: pt.x - d + 2, y0: pt.y - 8, y1: pt.y + 6 } });
      if (!far) {
        options.push({ far: 0, d: 0, x: pt.x, y: pt.y - 11, anchor: 'middle', box: { x0: pt.x - w / 2, x1: pt.x + w / 2, y0: pt.y - 9 - LABEL_H, y1: pt.y - 9 } });
        options.push({ far: 0, d: 0, x: pt.x, y: pt.y + 21, anchor: 'middle', box: { x0: pt.x - w / 2, x1: pt.x + w / 2, y0: pt.y + 9, y1: pt.y + 9 + LABEL_H } });
      }
    });
    const cost = (o) => {
      const b = o.box;
      const out = b.x0 < 0 || b.x1 > W || b.y0 < 0 || b.y1 > H ? 100 : 0;
      const lines = segments.filter((seg) => crosses(seg, b)).length;
      const labels = placed.filter((q) => !(q.x1 <= b.x0 || q.x0 >= b.x1 || q.y1 <= b.y0 || q.y0 >= b.y1)).length;
      return out + 3 * lines + 10 * labels + o.far;
    };
    let best = options[0];
    options.forEach((o) => { if (cost(o) < cost(best)) best = o; });
    placed.push(best.box);
    // a label moved away from its point keeps a thin leader to it
    best.leader = best.far ? { x1: pt.x + Math.sign(best.d) * 7, x2: best.x - Math.sign(best.d) * 2, y: pt.y } : null;
    return best;
  });
}

// MiniMap({boundary: GeoJSON geometry|null, place: {lat,lng}|null, claimed: …, exif: …})
export function MiniMap({ boundary, place, claimed, exif, width, height }) {
  const W = width || 320;
  const H = height || 220;
  const pts = { place: place, claimed: claimed, exif: exif };
  const xs = [];
  const ys = [];
  rings(boundary).forEach((ring) => ring.forEach((c) => { xs.push(c[0]); ys.push(c[1]); }));
  POINTS.forEach((p) => { const v = pts[p[0]]; if (v) { xs.push(v.lng); ys.push(v.lat); } });
  if (!xs.length) return html`<div class="gc-map-empty">没有位置信息</div>`;
  let x0 = Math.min.apply(null, xs); let x1 = Math.max.apply(null, xs);
  let y0 = Math.min.apply(null, ys); let y1 = Math.max.apply(null, ys);
  const midLat = (y0 + y1) / 2;
  const kx = Math.cos(midLat * Math.PI / 180);
  let spanX = Math.max((x1 - x0) * kx, 0.002); let spanY = Math.max(y1 - y0, 0.002);
  const pad = 0.12;
  const scale = Math.min(W / (spanX * (1 + 2 * pad)), H / (spanY * (1 + 2 * pad)));
  const cx = (x0 + x1) / 2; const cy = (y0 + y1) / 2;
  const px = (lng) => W / 2 + (lng - cx) * kx * scale;
  const py = (lat) => H / 2 - (lat - cy) * scale;
  const paths = rings(boundary).map((ring) => 'M' + ring.map((c) => px(c[0]).toFixed(1) + ',' + py(c[1]).toFixed(1)).join('L') + 'Z');
  const lines = [];
  if (claimed && place) lines.push([claimed, place, '上报位置 ↔ 场所']);
  if (exif && claimed) lines.push([exif, claimed, '照片 GPS ↔ 上报位置']);
  if (exif && place && !claimed) lines.push([exif, place, '照片 GPS ↔ 场所']);
  const segments = [];
  rings(boundary).forEach((ring) => ring.forEach((c, n) => {
    if (n) segments.push([px(ring[n - 1][0]), py(ring[n - 1][1]), px(c[0]), py(c[1])]);
  }));
  lines.forEach((l) => segments.push([px(l[0].lng), py(l[0].lat), px(l[1].lng), py(l[1].lat)]));
  const shown = POINTS.filter((p) => pts[p[0]]);
  const labels = placeLabels(shown.map((p) => ({ x: px(pts[p[0]].lng), y: py(pts[p[0]].lat), text: p[1] })), segments, W, H);
  return html`<figure class="gc-map">
    <svg viewBox=${'0 0 ' + W + ' ' + H} width=${W} height=${H} role="img" aria-label="位置示意图">
      <rect x="0" y="0" width=${W} height=${H} class="gc-map-bg" />
      ${paths.map((d) => html`<path d=${d} class="gc-map-grid" />`)}
      ${lines.map((l) => html`<line x1=${px(l[0].lng)} y1=${py(l[0].lat)} x2=${px(l[1].lng)} y2=${py(l[1].lat)} class="gc-map-line" />`)}
      ${shown.map((p, n) => html`<g class=${p[2]}>
        <circle cx=${px(pts[p[0]].lng)} cy=${py(pts[p[0]].lat)} r="6" />
        ${labels[n].leader ? html`<line x1=${labels[n].leader.x1} y1=${labels[n].leader.y} x2=${labels[n].leader.x2} y2=${labels[n].leader.y} class="gc-map-leader" />` : null}
        <text x=${labels[n].x} y=${labels[n].y} text-anchor=${labels[n].anchor}>${p[1]}</text></g>`)}
    </svg>
    <figcaption>
      <ul class="gc-legend">
        ${boundary ? html`<li><i class="gc-sw gc-sw-grid"></i>网格边界</li>` : null}
        ${shown.map((p) => html`<li><i class=${'gc-sw ' + p[2]}></i>${p[1]}</li>`)}
      </ul>
      <ul class="gc-distances">${lines.map((l) => html`<li>${l[2]}: <strong>${fmtMetres(metres(l[0], l[1]))}</strong></li>`)}</ul>
    </figcaption>
  </figure>`;
}
