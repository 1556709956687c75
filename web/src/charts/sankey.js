// sankey.js — flows between steps (user journeys: one feature to the next).
// Registers ECharts' Sankey chart here, beside the views that draw it
// (charts/core.js holds the common build).
import { use } from 'echarts/core';
import { SankeyChart } from 'echarts/charts';
import { theme } from './core.js';
import { num } from '../format.js';

use([SankeyChart]);

// A node's name is its level and its label ("0:reports"): ECharts' Sankey
// needs acyclic links, and journeys go back and forth ("reports" →
// "dashboards" → "reports") or stay put ("alerts" → "alerts").  Putting the
// step a transition leaves on level 0 and the step it reaches on level 1
// makes every transition one link of a two-level graph, whatever its cycles.
const nodeName = (level, label) => `${level}:${label}`;
export const nodeLabel = (name) => String(name).replace(/^\d+:/, '');

/**
 * links: [{from, to, count}] (e.g. /api/users/journeys transitions);
 * label(step) → the text shown for a step.  Returns an ECharts option, or
 * null when there is no link.
 */
export function sankeyOption({ links, label = (s) => s, name = '' }) {
  const t = theme();
  const rows = (links || []).filter((l) => Number(l.count) > 0);
  if (!rows.length) return null;
  const nodes = new Map();
  for (const l of rows) {
    nodes.set(nodeName(0, l.from), { name: nodeName(0, l.from), depth: 0 });
    nodes.set(nodeName(1, l.to), { name: nodeName(1, l.to), depth: 1 });
  }
  const show = (n) => label(nodeLabel(n));
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p) => (p.dataType === 'edge'
        ? `${show(p.data.source)} → ${show(p.data.target)}: ${num(p.data.value)}`
        : `${show(p.name)}: ${num(p.value)}`),
    },
    series: [{
      name, type: 'sankey', left: 8, right: 96, top: 8, bottom: 8, nodeGap: 6, draggable: false,
      emphasis: { focus: 'adjacency' },
      data: [...nodes.values()],
      links: rows.map((l) => ({ source: nodeName(0, l.from), target: nodeName(1, l.to), value: Number(l.count) })),
      label: { color: t.text, formatter: (p) => show(p.name) },
      lineStyle: { color: 'gradient', opacity: 0.35 },
    }],
  };
}
