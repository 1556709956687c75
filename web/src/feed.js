// feed.js — the live feed: the stream's events as a list, newest first, with
// a Pause/Resume control (paused, new items are counted, not shown) and
// aria-live="polite" so screen readers announce what arrives.
import { h, clear } from './dom.js';
import { money, num, clock } from './format.js';
import { atOf } from './panel.js';

const KEEP = 50;   // items kept on screen

const cents = (c) => money(Number(c) / 100, { compact: false });
const who = (c) => (c && c.name) || (c && c.id !== undefined ? `customer #${c.id}` : 'a customer');
const more = (shown, count) => (Number(count) > shown ? ` and ${num(Number(count) - shown)} more` : '');

/** "Acme upgraded to Pro (from Starter)": one change of a subscription_changed message, in words. */
function changeText(c) {
  const p = c.plan ? ` ${c.plan}` : '', prev = c.previous_plan ? ` (from ${c.previous_plan})` : '';
  switch (c.change) {
    case 'new': return `${who(c.customer)} subscribed${c.plan ? ' to' + p : ''}`;
    case 'trial_started': return `${who(c.customer)} started a trial${c.plan ? ' of' + p : ''}`;
    case 'trial_converted': return `${who(c.customer)} converted from trial${c.plan ? ' to' + p : ''}`;
    case 'upgrade': return `${who(c.customer)} upgraded${c.plan ? ' to' + p : ''}${prev}`;
    case 'downgrade': return `${who(c.customer)} downgraded${c.plan ? ' to' + p : ''}${prev}`;
    case 'cancel': return `${who(c.customer)} cancelled${c.previous_plan || c.plan ? ' ' + (c.previous_plan || c.plan) : ''}`;
    case 'reactivation': return `${who(c.customer)} reactivated${p}`;
    default: return `${who(c.customer)}: ${String(c.change || 'changed')}${p}`;
  }
}

/**
 * The feed items of one message: [{kind, text, tone}] (none for a message
 * that is not an event of the business: data_version, api_calls).
 */
export function itemsOf(msg) {
  const list = (a) => (Array.isArray(a) ? a : []);
  switch (msg.type) {
    case 'new_signup': {
      const cs = list(msg.customers);
      return [{ kind: 'signup', tone: 'good', text: `New signup: ${cs.map(who).join(', ') || num(msg.count) + ' customers'}${more(cs.length, msg.count)}` }];
    }
    case 'subscription_changed':
      return list(msg.changes).map((c) => ({
        kind: 'subscription', tone: c.change === 'cancel' || c.change === 'downgrade' ? 'bad' : 'good',
        text: changeText(c) + (Number(c.mrr_delta_cents) ? ` (${Number(c.mrr_delta_cents) > 0 ? '+' : ''}${cents(c.mrr_delta_cents)} MRR)` : ''),
      }));
    case 'payment_received': {
      const ps = list(msg.payments);
      return [{ kind: 'payment', tone: 'good', text: `Payment${Number(msg.count) > 1 ? 's' : ''} of ${cents(msg.amount_cents)}: ${ps.map((p) => `${who(p.customer)} ${cents(p.amount_cents)}`).join(', ')}${more(ps.length, msg.count)}` }];
    }
    case 'churn_alert': {
      const cs = list(msg.customers);
      return [{ kind: 'churn', tone: 'bad', text: `Churned: ${cs.map((c) => `${who(c.customer)} (−${cents(c.mrr_lost_cents)} MRR)`).join(', ')}${more(cs.length, msg.count)}` }];
    }
    case 'mrr_updated':
      return [{ kind: 'mrr', tone: Number(msg.mrr_cents) >= Number(msg.previous_mrr_cents) ? 'good' : 'bad', text: `MRR now ${cents(msg.mrr_cents)} (was ${cents(msg.previous_mrr_cents)})` }];
    case 'alert': {
      const a = msg.alert || {};
      const verb = msg.kind === 'fired' ? 'fired' : msg.kind === 'acknowledged' ? 'acknowledged' : msg.kind === 'resolved' ? 'resolved' : msg.kind;
      return [{ kind: 'alert', tone: msg.kind === 'fired' ? (a.severity === 'critical' ? 'bad' : 'warn') : 'good', text: `Alert ${verb}: ${a.title || 'alert'}${a.subject_label ? ' — ' + a.subject_label : ''}` }];
    }
    default: return [];
  }
}

/**
 * A feed for the message types given; on(type, fn) subscribes (a view's
 * ctx.live, so the subscriptions end with the view).  Returns { el } — the
 * element keeps its items when its panel redraws it.
 */
export function createFeed({ types, on, label = 'Live events' }) {
  let paused = false;
  let pending = 0;     // items that came while paused
  const queued = [];   // the newest KEEP of them, oldest first
  const list = h('ul', { class: 'feed live-feed', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': label });
  const empty = h('p', { class: 'feed-empty', text: 'Waiting for events… they appear here as they happen.' });
  const count = h('span', { class: 'feed-count', dataset: { count: '0' } });
  const btn = h('button', { type: 'button', class: 'btn btn-small feed-pause', 'aria-pressed': 'false', text: 'Pause',
    onclick: () => (paused ? resume() : pause()) });
  const el = h('div', { class: 'feed-box' }, h('div', { class: 'feed-controls' }, btn, count), empty, list);

  function li(item) {
    return h('li', { class: `feed-item feed-${item.kind}`, dataset: { kind: item.kind, type: item.type } },
      h('span', { class: `badge badge-${item.tone}`, text: item.kind }),
      h('span', { class: 'feed-title', text: item.text }),
      item.at !== null ? h('time', { datetime: new Date(item.at).toISOString(), text: clock(item.at) }) : null);
  }
  function show(items) {
    if (!items.length) return;
    empty.hidden = true;
    // Newest first: the last to come goes on top.
    for (const it of items) list.prepend(li(it));
    while (list.children.length > KEEP) list.lastElementChild.remove();
  }
  function showCount() {
    count.dataset.count = String(pending);
    count.textContent = paused ? (pending ? `${num(pending)} new` : 'paused') : '';
  }
  function pause() {
    paused = true;
    btn.textContent = 'Resume';
    btn.setAttribute('aria-pressed', 'true');
    showCount();
  }
  function resume() {
    paused = false;
    btn.textContent = 'Pause';
    btn.setAttribute('aria-pressed', 'false');
    show(queued.splice(0));
    pending = 0;
    showCount();
  }
  for (const type of types) {
    on(type, (msg) => {
      const at = atOf(msg);
      const items = itemsOf(msg).map((it) => ({ ...it, type: msg.type, at }));
      if (!paused) { show(items); return; }
      pending += items.length;
      queued.push(...items);
      if (queued.length > KEEP) queued.splice(0, queued.length - KEEP);
      showCount();
    });
  }
  clear(list);
  return { el, get paused() { return paused; } };
}

/**
 * The shell's announcer (main.js): alerts of the live stream read out by
 * screen readers wherever the user is — a critical one at once
 * (aria-live="assertive"), others politely.  Returns the two regions.
 */
export function createAnnouncer(onMessage) {
  const polite = h('div', { class: 'sr-only', id: 'announce', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const urgent = h('div', { class: 'sr-only', id: 'announce-urgent', 'aria-live': 'assertive', 'aria-atomic': 'true' });
  const off = onMessage('alert', (msg) => {
    if (msg.kind !== 'fired') return;
    const critical = msg.alert && msg.alert.severity === 'critical';
    const text = itemsOf(msg).map((i) => i.text).join('. ');
    if (!text) return;
    const region = critical ? urgent : polite;
    // Set anew (cleared first) so the same words twice are read twice.
    region.textContent = '';
    setTimeout(() => { region.textContent = `${critical ? 'Critical alert' : 'Alert'}: ${text.replace(/^Alert fired: /, '')}`; }, 50);
  });
  return { el: [polite, urgent], off };
}
