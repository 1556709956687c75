// funnel.js — stage funnels (pipeline, conversion).
import { theme } from './core.js';

/** items: [{name, value}] in stage order. */
export function funnelOption({ items, name = '' }) {
  const t = theme();
  return {
    nsCategory: 'Stage',
    tooltip: { trigger: 'item' },
    series: [{ name, type: 'funnel', sort: 'none', left: '8%', width: '84%', top: 8, bottom: 8, gap: 2, minSize: '12%',
      label: { show: true, position: 'inside', color: '#fff', textBorderColor: 'rgba(0,0,0,0.55)', textBorderWidth: 2, formatter: '{b}: {c}' },
      itemStyle: { borderColor: t.surface, borderWidth: 1 }, data: items }],
  };
}
