// gauge.js — a progress gauge: value against a target (percent of target).
import { theme } from './core.js';

export function gaugeOption({ value, max = 100, name = '' }) {
  const t = theme();
  const v = Number(value) || 0;
  return {
    nsQuiet: true,   // the percentage is drawn as text inside
    tooltip: { show: false },
    series: [{
      name, type: 'gauge', min: 0, max, startAngle: 200, endAngle: -20, radius: '95%', center: ['50%', '60%'],
      progress: { show: true, width: 10 }, pointer: { show: false },
      axisLine: { lineStyle: { width: 10, color: [[1, t.grid]] } },
      itemStyle: { color: v >= max ? t.status.good : v >= 0.9 * max ? t.status.warn : t.status.bad },
      axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false },
      title: { show: false },
      detail: { valueAnimation: false, offsetCenter: [0, '0%'], fontSize: 14, color: t.text, formatter: (x) => `${Math.round(x)}%` },
      data: [{ value: Math.round(v * 10) / 10, name }],
    }],
  };
}
