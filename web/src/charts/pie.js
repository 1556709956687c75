// pie.js — donut charts of shares: every slice labelled in full (name and
// share, broken over lines, never cut short) and no paged legend: the
// labels name the slices, and "Show as table" (panel.js) lists them all.
import { theme } from './core.js';

/** items: [{name, value}] */
export function pieOption({ items, name = '' }) {
  const t = theme();
  return {
    nsCategory: 'Slice',
    tooltip: { trigger: 'item', formatter: (p) => `${p.name}: ${p.percent}%` },
    legend: { show: false },
    series: [{ name, type: 'pie', radius: ['38%', '62%'], center: ['50%', '50%'], data: items, avoidLabelOverlap: true,
      minShowLabelAngle: 0,
      label: { color: t.text, formatter: '{b}: {d}%', overflow: 'break', width: 110, lineHeight: 14 },
      labelLine: { length: 8, length2: 8 },
      labelLayout: { hideOverlap: false, moveOverlap: 'shiftY' },
      itemStyle: { borderColor: t.surface, borderWidth: 2 } }],
  };
}
