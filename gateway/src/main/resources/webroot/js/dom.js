// Small DOM helpers. Text always goes in as text (never as HTML), so nothing the server or an
// agent wrote can run as script; the Content-Security-Policy forbids inline script anyway.

/** h('div', {class: 'x', onclick: fn, 'aria-label': 'y'}, child, 'text', [more]) */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'text') {
      el.textContent = v;
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (!svg && (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden')) {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    second: '2-digit',
  });
}

export function fmtClock(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function fmtAgo(iso, now = Date.now()) {
  if (!iso) return '—';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function fmtUsd(v) {
  const n = Number(v || 0);
  if (n === 0) return '$0';
  if (n < 0.01) return '$' + n.toFixed(6).replace(/0+$/, '');
  return '$' + n.toFixed(2);
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined) return 'running';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

export function shortId(id) {
  return id ? id.slice(0, 8) : '—';
}

/** An inline error box (role=alert), or null to clear it. */
export function showError(box, err) {
  if (!box) return;
  clear(box);
  if (!err) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.append(h('strong', {}, err.code === 'unreachable' ? 'Server unreachable. ' : 'Error. '));
  box.append(err.message || String(err));
  if (err.status) box.append(h('span', { class: 'muted' }, ` (${err.status}${err.code ? ' ' + err.code : ''})`));
}

/** A button that copies text, saying so for screen readers too. */
export function copyButton(getText, label = 'Copy') {
  const btn = h('button', { type: 'button', class: 'small', 'aria-label': label }, 'Copy');
  btn.addEventListener('click', async () => {
    const text = getText();
    try {
      await navigator.clipboard.writeText(text);
      btn.textContent = 'Copied';
    } catch {
      // No clipboard permission (plain http on another host): select the text instead.
      const range = document.createRange();
      const target = btn.previousElementSibling;
      if (target) {
        range.selectNodeContents(target);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
      }
      btn.textContent = 'Selected: press Ctrl+C';
    }
    setTimeout(() => (btn.textContent = 'Copy'), 2500);
  });
  return btn;
}

/**
 * A value shown this once (an invitation link, an API token), with a copy button and the reminder
 * that only its hash is kept. The value's element is `#<id>-value`.
 */
export function shownOnce(id, title, label, value, ...extra) {
  return h('section', { class: 'secret card', id, 'aria-label': title },
    h('h3', {}, title),
    h('p', { class: 'muted small' }, 'Shown this once: the server keeps only its hash and cannot show it again. Copy it now.'),
    h('div', { class: 'copyline' }, h('code', { id: id + '-value' }, value), copyButton(() => value, 'Copy ' + label)),
    ...extra);
}

/** A button that acts on its second click (the first one asks); Escape takes the question back. */
export function confirmButton(label, confirmLabel, attrs, action) {
  const btn = h('button', { type: 'button', ...attrs }, label);
  const disarm = () => {
    delete btn.dataset.armed;
    btn.textContent = label;
  };
  btn.addEventListener('click', () => {
    if (!btn.dataset.armed) {
      btn.dataset.armed = '1';
      btn.textContent = confirmLabel;
      return;
    }
    disarm();
    action();
  });
  btn.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && btn.dataset.armed) disarm();
  });
  return btn;
}

/** A role as a badge. */
export function roleBadge(role) {
  return h('span', { class: 'badge role role-' + role, 'data-role': role }, role || '—');
}
