// inspect.js — what a chart actually holds, read back from ECharts: the
// browser tests compare it with the API's answer (window.northstarDrawn),
// and it is handy from the console.  Read-only; nothing here draws.
import { getInstanceByDom } from 'echarts/core';

const value = (d) => (d !== null && typeof d === 'object' && !Array.isArray(d) ? (d.value === undefined ? null : d.value) : d);

/**
 * The chart of a panel (data-panel id; the n-th chart in it): axis
 * categories and each series' name, type, values (objects reduced to their
 * value), Sankey links, named data items and mark lines.  null when the
 * panel has no chart.
 */
export function drawn(panelId, n = 0) {
  const panel = document.querySelector(`[data-panel="${CSS.escape(panelId)}"]`);
  const el = panel ? panel.querySelectorAll('[_echarts_instance_]')[n] : null;
  const chart = el ? getInstanceByDom(el) : null;
  if (!chart) return null;
  const o = chart.getOption();
  const cats = (axes) => (axes || []).map((a) => (a.type === 'category' ? a.data.map(value) : null));
  return {
    xAxis: cats(o.xAxis),
    yAxis: cats(o.yAxis),
    series: (o.series || []).map((s) => ({
      name: s.name, type: s.type,
      data: (s.data || []).map(value),
      names: (s.data || []).map((d) => (d && typeof d === 'object' && !Array.isArray(d) ? d.name : undefined)),
      links: s.links ? s.links.map((l) => ({ source: l.source, target: l.target, value: l.value })) : undefined,
      markLine: s.markLine && s.markLine.data ? s.markLine.data.map((m) => ({ name: m.name, value: m.yAxis ?? m.xAxis ?? m.value })) : undefined,
    })),
  };
}

window.northstarDrawn = drawn;
