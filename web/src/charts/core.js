// core.js — the ECharts build (only the charts and components used, canvas
// renderer) and the one function that draws an option into an element.
import * as echarts from 'echarts/core';
import { LineChart, BarChart, PieChart, GaugeChart, FunnelChart, HeatmapChart } from 'echarts/charts';
import {
  GridComponent, TooltipComponent, LegendComponent, VisualMapComponent,
  MarkLineComponent, AriaComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { money, compact, pct } from '../format.js';

echarts.use([LineChart, BarChart, PieChart, GaugeChart, FunnelChart, HeatmapChart,
  GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, MarkLineComponent,
  AriaComponent, CanvasRenderer]);

// Okabe–Ito: distinguishable with every common colour-vision deficiency.
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#7f7f7f'];
export const PALETTE_DARK = ['#56B4E9', '#E69F00', '#009E73', '#CC79A7', '#0072B2', '#D55E00', '#F0E442', '#aaaaaa'];
export const STATUS = { good: '#009E73', warn: '#E69F00', bad: '#D55E00' };

const live = new Set();   // elements holding a chart

function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** Colours of the current theme, read from the CSS custom properties. */
export function theme() {
  const dark = document.documentElement.dataset.theme === 'dark';
  return {
    dark,
    palette: dark ? PALETTE_DARK : PALETTE,
    text: cssVar('--text', '#1b1f24'),
    muted: cssVar('--muted', '#5b6470'),
    grid: cssVar('--grid', '#e3e6ea'),
    surface: cssVar('--surface', '#ffffff'),
  };
}

/** Axis label formatter for a value kind. */
export function axisFormatter(kind) {
  if (kind === 'money') return (v) => money(v);
  if (kind === 'pct') return (v) => pct(v, 0);
  return (v) => compact(v);
}

/**
 * Draw option into el (creating the chart on first use).  Resolves when
 * ECharts reports the frame finished; el.dataset.rendered is then "1".
 */
export function renderChart(el, option) {
  const t = theme();
  let chart = echarts.getInstanceByDom(el);
  if (!chart) {
    chart = echarts.init(el, null, { renderer: 'canvas' });
    const ro = new ResizeObserver(() => chart.resize());
    ro.observe(el);
    el._nsResize = ro;
    live.add(el);
  }
  const base = {
    animation: false,
    color: t.palette,
    backgroundColor: 'transparent',
    textStyle: { color: t.text, fontFamily: 'system-ui, sans-serif' },
    // Rich-text tooltips are drawn on the canvas: HTML tooltips would put
    // style attributes in innerHTML, which the CSP refuses.
    tooltip: { trigger: 'axis', renderMode: 'richText', confine: true },
    aria: { enabled: true },
  };
  const merged = { ...base, ...option, tooltip: { ...base.tooltip, ...(option.tooltip || {}) } };
  return new Promise((resolve) => {
    chart.off('finished');
    // With animation off, "finished" fires inside setOption: subscribe first.
    chart.on('finished', () => { el.dataset.rendered = '1'; resolve(chart); });
    chart.setOption(merged, true);
  });
}

/** Dispose every chart inside root (on leaving a view). */
export function disposeCharts(root) {
  for (const el of [...live]) {
    if (root && !root.contains(el) && el.isConnected) continue;
    const c = echarts.getInstanceByDom(el);
    if (c) c.dispose();
    if (el._nsResize) el._nsResize.disconnect();
    live.delete(el);
  }
}

/**
 * Test and debugging hook: every chart on the page with the number of data
 * points of each series (the browser tests check they are non-empty).
 */
export function chartsSummary() {
  return [...live].filter((el) => el.isConnected).map((el) => {
    const c = echarts.getInstanceByDom(el);
    const opt = c ? c.getOption() : { series: [] };
    const panel = el.closest('[data-panel]');
    return {
      panel: panel ? panel.dataset.panel : null,
      kind: el.dataset.kind || null,
      rendered: el.dataset.rendered === '1',
      series: (opt.series || []).map((s) => ({ name: s.name || s.type, type: s.type, points: (s.data || []).length })),
    };
  });
}
