/** Tables as aligned text for the terminal and as Markdown for RESULTS.md. */

export interface Table {
  headers: string[];
  rows: string[][];
}

const numeric = (cell: string) => /^[-–+]?[\d,.]+\s*(×|%|ms|MB)?$|^–$/.test(cell.trim());

export function textTable(title: string, t: Table): string {
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i > 0 && numeric(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [`\n${title}`, line(t.headers), rule, ...t.rows.map(line), ''].join('\n');
}

export function markdownTable(t: Table): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  const align = t.headers.map((_, i) => (i > 0 && t.rows.every((r) => numeric(r[i] ?? '')) ? '---:' : '---'));
  return [
    `| ${t.headers.map(esc).join(' | ')} |`,
    `| ${align.join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
