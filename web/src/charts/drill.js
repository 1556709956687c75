// drill.js — clicks on a drawn chart (the drill-down of issue 21): the
// ECharts instance a panel drew into an element, once it is there, gets one
// click handler (a redraw keeps the instance, so the handler is replaced,
// never doubled).  charts/core.js draws; this only listens.
import { getInstanceByDom } from 'echarts/core';

/**
 * Call fn(params) for each click on a data point of the chart drawn in the
 * first `.chart` element inside root (ECharts' click params: seriesName,
 * name — the category —, dataIndex, value).  Waits up to ~2 s for the
 * chart to be drawn; returns nothing.
 */
export function onChartClick(root, fn) {
  let tries = 0;
  const attach = () => {
    const box = root && root.querySelector('.chart');
    const chart = box && getInstanceByDom(box);
    if (!chart) {
      if (++tries < 120) requestAnimationFrame(attach);
      return;
    }
    chart.off('click');
    chart.on('click', fn);
  };
  requestAnimationFrame(attach);
}

/*
 * Test and debugging hook (as window.northstar.charts of core.js): what a
 * panel's chart actually holds — its option as ECharts keeps it (marks and
 * data included) — and where a data point is drawn on the page, so a
 * browser test can read the drawn figures and click a point.
 */
function chartIn(panelId) {
  const box = document.querySelector(`[data-panel="${panelId}"] .chart`);
  return box ? { box, chart: getInstanceByDom(box) } : {};
}
if (typeof window !== 'undefined') {
  window.northstarDrill = {
    option(panelId) {
      const { chart } = chartIn(panelId);
      return chart ? JSON.parse(JSON.stringify(chart.getOption())) : null;
    },
    point(panelId, seriesIndex, dataIndex) {
      const { box, chart } = chartIn(panelId);
      if (!chart) return null;
      const s = chart.getOption().series[seriesIndex];
      const p = chart.convertToPixel({ seriesIndex }, [dataIndex, s.data[dataIndex]]);
      const r = box.getBoundingClientRect();
      return p ? { x: r.left + p[0], y: r.top + p[1] } : null;
    },
  };
}
