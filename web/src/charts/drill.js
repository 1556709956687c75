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
