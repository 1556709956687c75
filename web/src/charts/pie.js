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
    // Labels aligned to the chart's edges: ECharts gives each the room
    // between the donut and the edge and breaks a long one over lines.
    series: [{ name, type: 'pie', radius: ['34%', '56%'], center: ['50%', '50%'], data: items, avoidLabelOverlap: true,
      minShowLabelAngle: 0,
      label: { color: t.text, formatter: '{b}: {d}%', alignTo: 'edge', edgeDistance: 6, overflow: 'break', lineHeight: 14 },
      labelLine: { length: 6, length2: 0, maxSurfaceAngle: 80 },
      labelLayout: { hideOverlap: false, moveOverlap: 'shiftY' },
      itemStyle: { borderColor: t.surface, borderWidth: 2 } }],
  };
}
