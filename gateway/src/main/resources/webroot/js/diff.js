// A line diff (longest common subsequence), for a projection version against the one before.

/** @returns [{op: '=' | '+' | '-', text}] turning `before` into `after` */
export function diffLines(before, after) {
  const a = (before || '').split('\n');
  const b = (after || '').split('\n');
  // Trim the common head and tail first: versions usually differ in a few lines.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head &&
         a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const out = a.slice(0, head).map((text) => ({ op: '=', text }));
  if (am.length * bm.length > 4_000_000) {
    // Too large for the table: show it as removed then added.
    am.forEach((text) => out.push({ op: '-', text }));
    bm.forEach((text) => out.push({ op: '+', text }));
  } else {
    const n = am.length, m = bm.length;
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] = am[i] === bm[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    let i = 0, j = 0;
    while (i < n && j < m) {
      if (am[i] === bm[j]) {
        out.push({ op: '=', text: am[i] });
        i++;
        j++;
      } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
        out.push({ op: '-', text: am[i++] });
      } else {
        out.push({ op: '+', text: bm[j++] });
      }
    }
    while (i < n) out.push({ op: '-', text: am[i++] });
    while (j < m) out.push({ op: '+', text: bm[j++] });
  }
  a.slice(a.length - tail).forEach((text) => out.push({ op: '=', text }));
  return out;
}
