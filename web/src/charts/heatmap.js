// heatmap.js — grids of values (cohort retention, feature adoption).
import { theme } from './core.js';

/** x, y: labels; data: [[xi, yi, value|null]]; max: top of the scale; kind 'pct'. */
export function heatmapOption({ x, y, data, max = 100, name = '' }) {
  const t = theme();
  return {
    nsKind: 'pct',
    tooltip: { trigger: 'item' },
    grid: { left: 8, right: 8, top: 8, bottom: 48, containLabel: true },
    xAxis: { type: 'category', data: x, axisLabel: { color: t.muted }, splitArea: { show: true } },
    yAxis: { type: 'category', data: y, inverse: true, axisLabel: { color: t.muted }, splitArea: { show: true } },
    // Sequential blue ramp: readable for every colour-vision type.
    visualMap: { min: 0, max, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120,
      textStyle: { color: t.text }, inRange: { color: t.dark ? ['#10263a', '#56B4E9'] : ['#eef5fb', '#0b3d63'] } },
    series: [{ name, type: 'heatmap', data, label: { show: x.length <= 14, fontSize: 10,
      formatter: (p) => (p.value[2] === null ? '' : Math.round(p.value[2])) } }],
  };
}
