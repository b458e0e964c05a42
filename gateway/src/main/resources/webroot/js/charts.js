// Pictures of an agent's recent past, drawn as SVG: when each wake ran, how long and how it
// ended; and what it has spent over time against its budget. No chart library is needed.
import { h, fmtTime, fmtDuration, fmtUsd, fmtClock } from './dom.js';

// Drawn at about the width they are shown at (the side column), so text stays legible.
const W = 380;

/** The colour class of a wake's ending. */
export function endingClass(w) {
  if (!w.ended_at) return 'running';
  const r = w.termination_reason || '';
  if (r === 'completed' || r === 'sleep') return 'ok';
  if (r === 'disabled' || r === 'shutdown' || r === 'budget_exhausted' || r.endsWith('_cap')) return 'warn';
  return 'bad';
}

/** Wakes (newest first, as the API gives them) on a time axis. */
export function wakeTimeline(wakes, now = Date.now()) {
  const H = 86;
  const list = [...wakes].reverse();
  const svg = h('svg:svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart timeline', role: 'img',
    'aria-label': list.length
      ? `Timeline of the last ${list.length} wakes, from ${fmtTime(list[0].started_at)}`
      : 'No wakes yet',
  });
  if (!list.length) {
    svg.append(h('svg:text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'axis' }, 'No wakes yet'));
    return svg;
  }
  // At least the last quarter of an hour, so that a few short wakes are not squeezed to the edge.
  const t0 = Math.min(new Date(list[0].started_at).getTime(), now - 15 * 60 * 1000);
  const t1 = Math.max(now, ...list.map((w) => (w.ended_at ? new Date(w.ended_at).getTime() : now)));
  const span = Math.max(1000, t1 - t0);
  const x = (t) => 8 + ((t - t0) / span) * (W - 16);
  svg.append(h('svg:line', { x1: 8, x2: W - 8, y1: 52, y2: 52, class: 'baseline' }));
  for (const w of list) {
    const s = new Date(w.started_at).getTime();
    const e = w.ended_at ? new Date(w.ended_at).getTime() : now;
    const x0 = x(s);
    const width = Math.max(3, x(e) - x0);
    const cls = endingClass(w);
    const title = `${fmtTime(w.started_at)} · ${fmtDuration(w.duration_ms)} · ${w.termination_reason || 'running'} · ${fmtUsd(w.cost_usd)}`;
    svg.append(h('svg:rect', { x: x0, y: 30, width, height: 22, rx: 2, class: 'wake ' + cls },
      h('svg:title', {}, title)));
  }
  svg.append(h('svg:text', { x: 8, y: 76, class: 'axis' }, fmtClock(new Date(t0).toISOString())));
  svg.append(h('svg:text', { x: W - 8, y: 76, 'text-anchor': 'end', class: 'axis' }, 'now'));
  const legend = [['ok', 'normal end'], ['warn', 'cap/disabled'], ['bad', 'error'], ['running', 'running']];
  legend.forEach(([cls, label], i) => {
    svg.append(h('svg:rect', { x: 8 + i * 92, y: 6, width: 10, height: 10, rx: 2, class: 'wake ' + cls }));
    svg.append(h('svg:text', { x: 22 + i * 92, y: 15, class: 'axis' }, label));
  });
  return svg;
}

/** The smallest 1, 2 or 5 × 10^k at or above v: axis labels that read as round amounts. */
export function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v * (1 - 1e-9)) return m * p;
  return 10 * p;
}

/** Cumulative spend of these wakes over time, with the budget line when there is one. */
export function spendChart(wakes, budgetUsd, spentUsd, now = Date.now()) {
  const H = 170, L = 72, R = 8, T = 16, B = 24;
  const list = [...wakes].reverse().filter((w) => w.started_at);
  const svg = h('svg:svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart spend', role: 'img' });
  const total = Number(spentUsd || 0);
  const shown = list.reduce((a, w) => a + Number(w.cost_usd || 0), 0);
  // What was spent before the oldest wake shown, so the line ends at the agent's real total.
  let acc = Math.max(0, total - shown);
  const points = [];
  if (list.length) points.push([new Date(list[0].started_at).getTime(), acc]);
  for (const w of list) {
    acc += Number(w.cost_usd || 0);
    points.push([new Date(w.ended_at || w.started_at).getTime(), acc]);
  }
  points.push([now, acc]);
  const budget = budgetUsd === null || budgetUsd === undefined ? null : Number(budgetUsd);
  // The budget sets the scale once spend is a fair part of it; before that the line would lie
  // flat on zero, so the scale follows the spend and the budget is named above the chart.
  const budgetInView = budget !== null && acc >= budget * 0.2;
  const top = budgetInView ? Math.max(budget, acc) * 1.1 : niceCeil(Math.max(acc, 0.000001) * 1.1);
  const t0 = points[0][0], t1 = Math.max(points[points.length - 1][0], t0 + 1000);
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v) => T + (1 - v / top) * (H - T - B);
  svg.setAttribute('aria-label', `Spend ${fmtUsd(total)}` + (budget === null ? ', no budget limit' : ` of a ${fmtUsd(budget)} budget`));
  for (const v of [0, top / 2, top]) {
    svg.append(h('svg:line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(h('svg:text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, fmtUsd(v)));
  }
  if (budgetInView) {
    svg.append(h('svg:line', { x1: L, x2: W - R, y1: y(budget), y2: y(budget), class: 'budget' }));
    svg.append(h('svg:text', { x: W - R, y: y(budget) - 4, 'text-anchor': 'end', class: 'axis' }, `budget ${fmtUsd(budget)}`));
  } else if (budget !== null) {
    svg.append(h('svg:text', { x: W - R, y: T - 4, 'text-anchor': 'end', class: 'axis' },
      `budget ${fmtUsd(budget)} (${budget > 0 ? ((acc / budget) * 100).toFixed(acc / budget < 0.01 ? 3 : 1) : 0}% spent), above`));
  }
  let d = '';
  points.forEach(([t, v], i) => {
    d += i === 0 ? `M${x(t).toFixed(1)},${y(v).toFixed(1)}` : `H${x(t).toFixed(1)}V${y(v).toFixed(1)}`;
  });
  svg.append(h('svg:path', { d, class: 'line' }));
  if (list.length) {
    svg.append(h('svg:text', { x: L, y: H - 6, class: 'axis' }, fmtClock(list[0].started_at)));
  }
  svg.append(h('svg:text', { x: W - R, y: H - 6, 'text-anchor': 'end', class: 'axis' }, `now · ${fmtUsd(total)}`));
  return svg;
}

/** A small bar: spend against budget (or just the spend when unlimited). */
export function budgetMeter(spent, limit) {
  const s = Number(spent || 0);
  if (limit === null || limit === undefined) {
    return h('span', { class: 'meter-text' }, `${fmtUsd(s)} · no limit`);
  }
  const l = Number(limit);
  const pct = l > 0 ? Math.min(100, (s / l) * 100) : 100;
  return h('span', { class: 'meter-wrap' },
    h('meter', { min: 0, max: l || 1, value: Math.min(s, l || 1), low: (l || 1) * 0.7, high: (l || 1) * 0.9,
      optimum: 0, 'aria-label': `spent ${fmtUsd(s)} of ${fmtUsd(l)}`, title: `${pct.toFixed(0)}%` }),
    h('span', { class: 'meter-text' }, `${fmtUsd(s)} / ${fmtUsd(l)}`));
}
