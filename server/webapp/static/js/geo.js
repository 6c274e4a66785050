// The phone's position (WGS-84 from navigator.geolocation), with a timeout and a Chinese reason when there is none.
export const GEO_TIMEOUT_MS = 15000;

export function locate() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) { resolve({ error: '这部手机不支持定位, 可以不带位置继续' }); return; }
    let done = false;
    const finish = (v) => { if (!done) { done = true; resolve(v); } };
    const guard = setTimeout(() => finish({ error: '定位超时, 可以重新定位或不带位置继续' }), GEO_TIMEOUT_MS + 2000);
    navigator.geolocation.getCurrentPosition((pos) => {
      clearTimeout(guard);
      finish({ lat: pos.coords.latitude, lng: pos.coords.longitude, accuracy: Math.round(pos.coords.accuracy || 0), at: pos.timestamp });
    }, (err) => {
      clearTimeout(guard);
      const why = err.code === 1 ? '没有定位权限 (请在微信设置里允许定位), 可以不带位置继续'
        : err.code === 3 ? '定位超时, 可以重新定位或不带位置继续' : '暂时无法定位, 可以重新定位或不带位置继续';
      finish({ error: why, denied: err.code === 1 });
    }, { enableHighAccuracy: true, timeout: GEO_TIMEOUT_MS, maximumAge: 30000 });
  });
}

export function toLocation(fix) {
  if (!fix || fix.lat == null) return null;
  return { lat: fix.lat, lng: fix.lng, accuracy: fix.accuracy, coord_system: 'wgs84' };
}

// Is the point inside a GeoJSON Polygon/MultiPolygon (ray casting; enough for a warning, the server decides).
export function inside(boundary, lat, lng) {
  if (!boundary) return null;
  const polys = boundary.type === 'Polygon' ? [boundary.coordinates] : boundary.type === 'MultiPolygon' ? boundary.coordinates : [];
  return polys.some((rings) => {
    let inRing = false;
    const ring = rings[0];
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inRing = !inRing;
    }
    return inRing;
  });
}
