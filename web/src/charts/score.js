// score.js — a 0–100 score gauge (the system-health score): the value with
// one decimal, coloured by band (good ≥ 95, watch ≥ 80, else bad), words
// beside it in the panel (colour is never the only signal).
import { theme, STATUS } from './core.js';

/** Band of a score: 'good', 'warn' or 'bad'. */
export const scoreBand = (v) => (Number(v) >= 95 ? 'good' : Number(v) >= 80 ? 'warn' : 'bad');

export function scoreGaugeOption({ value, name = 'Score' }) {
  const t = theme();
  const v = Number(value) || 0;
  return {
    tooltip: { show: false },
    series: [{
      name, type: 'gauge', min: 0, max: 100, startAngle: 200, endAngle: -20, radius: '95%', center: ['50%', '60%'],
      progress: { show: true, width: 14 }, pointer: { show: false },
      axisLine: { lineStyle: { width: 14, color: [[1, t.grid]] } },
      itemStyle: { color: STATUS[scoreBand(v)] },
      axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false },
      title: { show: false },
      detail: { valueAnimation: false, offsetCenter: [0, '0%'], fontSize: 22, color: t.text, formatter: (x) => Number(x).toFixed(1) },
      data: [{ value: v, name }],
    }],
  };
}
