// kpi.js — KPI cards: value, change versus the previous period coloured
// good / warning / bad (with an arrow and words, never colour alone), an
// optional sparkline or target gauge, and a link to the view explaining it.
import { h } from './dom.js';
import { drawSpark, drawGauge } from './charts/sparkline.js';
import { change as fmtChange, isNum, clock } from './format.js';
import { filterQuery } from './store.js';

/**
 * Tone of a change: 'good' when it moves the favourable way (or is flat),
 * 'warn' when it is slightly unfavourable (within tolerance points), else 'bad'.
 */
export function tone(changePct, { upIsGood = true, tolerance = 2 } = {}) {
  if (!isNum(changePct)) return 'neutral';
  const c = Number(changePct) * (upIsGood ? 1 : -1);
  if (c >= 0) return 'good';
  return c >= -tolerance ? 'warn' : 'bad';
}

const WORD = { good: 'good', warn: 'watch', bad: 'bad', neutral: '' };

/** Percent change from previous to value (null when undefined). */
export function pctChange(value, previous) {
  if (!isNum(value) || !isNum(previous) || Number(previous) === 0) return null;
  return ((Number(value) - Number(previous)) * 100) / Math.abs(Number(previous));
}

/**
 * One card.  c: { id, label, value (text), change (pct), changeLabel,
 * upIsGood, tone, href (view path), spark: [numbers], gauge: pct of target,
 * note (text), asOf (epoch ms: a card whose figure is newer or older than its
 * panel's says its own time; live: true when it came in a live message) }.  Returns the element; charts are drawn by drawCards().
 */
export function card(c) {
  const t = c.tone || tone(c.change, { upIsGood: c.upIsGood !== false });
  const arrow = !isNum(c.change) ? '' : Number(c.change) > 0 ? '▲ ' : Number(c.change) < 0 ? '▼ ' : '● ';
  const inner = [
    h('span', { class: 'kpi-label', text: c.label }),
    h('span', { class: 'kpi-value', text: c.value }),
    isNum(c.change) || c.changeText ? h('span', { class: `kpi-change tone-${t}` },
      arrow + (c.changeText || fmtChange(c.change)), ' ', c.changeLabel === '' ? null : h('span', { class: 'kpi-vs', text: c.changeLabel || 'vs previous' }),
      WORD[t] ? h('span', { class: 'sr-only', text: ` (${WORD[t]})` }) : null) : null,
    c.note ? h('span', { class: 'kpi-note', text: c.note }) : null,
    isNum(c.asOf) ? h('time', { class: 'kpi-asof', datetime: new Date(c.asOf).toISOString(), dataset: { source: c.live ? 'live' : 'api' }, text: `as of ${clock(c.asOf)}${c.live ? ' (live)' : ''}` }) : null,
    c.gauge !== undefined && isNum(c.gauge) ? h('div', { class: 'kpi-gauge', dataset: { kind: 'gauge', value: c.gauge } }) : null,
    c.spark && c.spark.filter(isNum).length > 1 ? h('div', { class: 'kpi-spark', dataset: { kind: 'sparkline' } }) : null,
  ];
  const attrs = { class: `kpi tone-border-${t}`, dataset: { kpi: c.id } };
  const el = c.href
    ? h('a', { ...attrs, href: c.href + filterQuery(), 'data-link': '', 'aria-label': `${c.label}: ${c.value}. Open the ${c.hrefLabel || 'details'}` }, inner)
    : h('div', attrs, inner);
  el._spark = c.spark;
  el._gaugeMax = c.gaugeMax;
  return el;
}

/** Draw the sparklines and gauges of the cards inside root (SVG, charts/sparkline.js). */
export async function drawCards(root) {
  for (const k of root.querySelectorAll('.kpi')) {
    const s = k.querySelector('.kpi-spark');
    if (s) drawSpark(s, k._spark.map((v) => (isNum(v) ? Number(v) : null)));
    const g = k.querySelector('.kpi-gauge');
    if (g) drawGauge(g, Number(g.dataset.value), k._gaugeMax || 100);
  }
}

/** Render cards into body (a panel body); returns false when there are none. */
export async function renderCards(body, cards) {
  const list = cards.filter(Boolean);
  if (!list.length) return false;
  body.append(h('div', { class: 'kpis' }, list.map(card)));
  await drawCards(body);
  return true;
}
