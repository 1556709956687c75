// pie.js — donut charts of shares.
import { theme } from './core.js';

/** items: [{name, value}] */
export function pieOption({ items, name = '' }) {
  const t = theme();
  return {
    tooltip: { trigger: 'item' },
    legend: { type: 'scroll', bottom: 0, textStyle: { color: t.text } },
    series: [{ name, type: 'pie', radius: ['45%', '72%'], center: ['50%', '45%'], data: items,
      label: { color: t.text, formatter: '{b}: {d}%' }, itemStyle: { borderColor: t.surface, borderWidth: 2 } }],
  };
}
