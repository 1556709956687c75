// sparkline.js — the KPI cards' tiny charts as plain SVG (no ECharts: a
// card's sparkline or target gauge costs a path, not a chart instance, so
// a view of many cards draws at once on a slow phone).  The figures are
// the card's own data; registered with core.js for window.northstar.charts().
import { theme, registerDrawn } from './core.js';

const SVG = 'http://www.w3.org/2000/svg';
const svgEl = (tag, attrs) => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
};

/** The ECharts-like option of a sparkline (kept for chartsSummary and callers that draw it with ECharts). */
export function sparkOption({ data, color }) {
  const t = theme();
  return {
    nsQuiet: true,   // the card's figure is its text: no decals, a short aria label
    tooltip: { show: false },
    grid: { left: 0, right: 0, top: 2, bottom: 2 },
    xAxis: { type: 'category', show: false, boundaryGap: false, data: data.map((_, i) => i) },
    yAxis: { type: 'value', show: false, scale: true },
    series: [{ type: 'line', data, showSymbol: false, silent: true,
      lineStyle: { width: 1.5, color: color || t.palette[0] }, areaStyle: { opacity: 0.12, color: color || t.palette[0] } }],
  };
}

/** Draw data (numbers, null = a gap) as a sparkline into el. */
export function drawSpark(el, data, color) {
  const t = theme();
  const c = color || t.palette[0];
  const vals = data.filter((v) => v !== null && Number.isFinite(v));
  const lo = Math.min(...vals), hi = Math.max(...vals);
  const W = 100, H = 36, pad = 2;
  const x = (i) => (data.length > 1 ? (i * W) / (data.length - 1) : W / 2);
  const y = (v) => (hi === lo ? H / 2 : pad + ((hi - v) * (H - 2 * pad)) / (hi - lo));
  const runs = [];   // consecutive non-null stretches
  let cur = null;
  data.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) { cur = null; return; }
    if (!cur) runs.push(cur = []);
    cur.push([x(i), y(v)]);
  });
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', width: '100%', height: '100%', 'aria-hidden': 'true', focusable: 'false' });
  for (const r of runs) {
    const line = r.map(([a, b], k) => `${k ? 'L' : 'M'}${a.toFixed(2)},${b.toFixed(2)}`).join('');
    if (r.length > 1) svg.append(svgEl('path', { d: `${line}L${r[r.length - 1][0].toFixed(2)},${H}L${r[0][0].toFixed(2)},${H}Z`, fill: c, 'fill-opacity': 0.12, stroke: 'none' }));
    svg.append(svgEl('path', { d: line, fill: 'none', stroke: c, 'stroke-width': 1.5, 'vector-effect': 'non-scaling-stroke', 'stroke-linejoin': 'round' }));
  }
  el.replaceChildren(svg);
  registerDrawn(el, sparkOption({ data, color: c }));
}

/** Draw a target gauge (value of max, as a percentage) into el: an arc and the figure. */
export function drawGauge(el, value, max = 100) {
  const t = theme();
  const v = Number(value) || 0;
  const color = v >= max ? t.status.good : v >= 0.9 * max ? t.status.warn : t.status.bad;
  const frac = Math.max(0, Math.min(1, v / max));
  // An arc from 200° to −20° (ECharts' gauge angles), centred low in a 100 × 70 box.
  const cx = 50, cy = 42, r = 28, a0 = 200, a1 = -20;
  const pt = (deg) => [cx + r * Math.cos((deg * Math.PI) / 180), cy - r * Math.sin((deg * Math.PI) / 180)];
  const arc = (from, to) => {
    const [x0, y0] = pt(from), [x1, y1] = pt(to);
    return `M${x0.toFixed(2)},${y0.toFixed(2)}A${r},${r} 0 ${from - to > 180 ? 1 : 0} 1 ${x1.toFixed(2)},${y1.toFixed(2)}`;
  };
  const svg = svgEl('svg', { viewBox: '0 0 100 70', width: '100%', height: '100%', 'aria-hidden': 'true', focusable: 'false' });
  svg.append(svgEl('path', { d: arc(a0, a1), fill: 'none', stroke: t.grid, 'stroke-width': 8, 'stroke-linecap': 'round' }));
  if (frac > 0) svg.append(svgEl('path', { d: arc(a0, a0 - (a0 - a1) * frac), fill: 'none', stroke: color, 'stroke-width': 8, 'stroke-linecap': 'round' }));
  const label = svgEl('text', { x: cx, y: cy + 5, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 700, fill: t.text });
  label.textContent = `${Math.round(v)}%`;
  svg.append(label);
  el.replaceChildren(svg);
  registerDrawn(el, { nsQuiet: true, series: [{ type: 'gauge', name: 'gauge', data: [{ value: Math.round(v * 10) / 10 }] }] });
}
