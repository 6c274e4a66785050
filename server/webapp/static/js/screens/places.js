// 网格场所: the member's places, searchable, with risk colour and last visit; kept on the phone for offline use.
import { html, useState } from '../ui/html.js';
import { Page, Loading, ErrorTips, RiskTag, Empty } from '../ui/widgets.js';
import { useLoad, OfflineNote } from '../ui/data.js';

export const PLACES_PATH = '/places?page_size=100';

export function usePlaces() { return useLoad(PLACES_PATH); }

export function Places({ query }) {
  const places = usePlaces();
  const today = useLoad('/me/today');
  const [q, setQ] = useState('');
  const last = {};
  ((today.data && today.data.places_due) || []).forEach((p) => { last[p.place.id] = p.last_visit_day || '未巡查'; });
  ((today.data && today.data.visits) || []).forEach((v) => { last[v.place_id] = '今日已巡查'; });
  const list = (places.data || []).filter((p) => !q || p.name.indexOf(q) >= 0 || (p.address || '').indexOf(q) >= 0);
  const pick = query && query.for === 'publicity' ? 'publicity' : query && query.for === 'snap' ? 'snap' : 'patrol';
  return html`<${Page} title="网格场所">
    <div class="weui-search-bar weui-search-bar_focusing"><div class="weui-search-bar__form"><div class="weui-search-bar__box">
      <i class="weui-icon-search"></i>
      <input type="search" class="weui-search-bar__input" placeholder="搜索场所名称或地址" aria-label="搜索场所" value=${q} onInput=${(e) => setQ(e.target.value.trim())} />
    </div></div></div>
    <${OfflineNote} state=${places} />
    ${places.loading && !places.data ? html`<${Loading} />` : null}
    <${ErrorTips} error=${places.error} onRetry=${places.reload} />
    ${places.data && !list.length ? html`<${Empty} text=${q ? '没有找到 "' + q + '"' : '本网格还没有场所'} />` : null}
    <div class="weui-cells">${list.map((p) => html`
      <a key=${p.id} class="weui-cell weui-cell_access" href=${'#/' + pick + '/' + p.id}>
        <div class="weui-cell__bd"><p>${p.name}</p><p class="gp-sub">${p.sector_label || p.sector} · ${p.address}</p></div>
        <div class="weui-cell__ft gp-col"><${RiskTag} level=${p.risk_level} label=${p.risk_label} /><small>${last[p.id] || ''}</small></div>
      </a>`)}</div>
  </${Page}>`;
}
