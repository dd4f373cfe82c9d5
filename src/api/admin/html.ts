/**
 * The admin pages' HTML: server-rendered, every dynamic value escaped, no inline script.
 * Pages send their own Content-Security-Policy (forms only to this origin, no framing),
 * stricter than the app-wide one: no script at all, except on a page that asks for one
 * (the overview, which refreshes itself): then scripts and fetches from this origin only.
 */
import type { FastifyReply } from 'fastify';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML element or a quoted attribute. */
export const esc = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const SCRIPTED_CSP = `${CSP}; script-src 'self'; connect-src 'self'`;

const STYLE = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
  header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #1d2330; color: #fff; }
  header a, header button { color: #cfd6e4; text-decoration: none; background: none; border: 0; font: inherit; cursor: pointer; }
  header strong { margin-right: auto; }
  main { padding: 1rem 1.2rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e3e6ec; vertical-align: top; }
  th { background: #eceff4; font-weight: 600; }
  td.error { font-family: ui-monospace, monospace; font-size: 12px; color: #9b1c1c; max-width: 32rem; word-break: break-word; }
  code { font-size: 12px; }
  form.inline { display: inline; }
  button.act { padding: .2rem .6rem; border-radius: 4px; border: 1px solid #8a94a6; background: #fff; cursor: pointer; }
  button.retry { border-color: #1d4ed8; color: #1d4ed8; }
  button.discard { border-color: #b91c1c; color: #b91c1c; }
  .notice { padding: .5rem .8rem; background: #e7f6ec; border: 1px solid #9bd3ae; margin-bottom: 1rem; }
  .problem { padding: .5rem .8rem; background: #fdecec; border: 1px solid #f0a3a3; margin-bottom: 1rem; }
  nav.filters a { margin-right: .8rem; }
  nav.filters a.current { font-weight: 700; color: inherit; text-decoration: none; }
  .status { font-size: 12px; padding: .1rem .4rem; border-radius: 3px; background: #eceff4; }
  .status-dead { background: #fde2e2; } .status-retrying { background: #fff3cd; } .status-published { background: #e7f6ec; }
  pre { background: #fff; padding: .8rem; border: 1px solid #e3e6ec; overflow: auto; }
  h2 { font-size: 16px; margin: 1.4rem 0 .5rem; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  tr.group-first td { border-top: 1px solid #c9ced8; }
  .muted { color: #6b7385; }
  .live { font-size: 12px; color: #6b7385; }
  .live.failing { color: #9b1c1c; }
  .warn { color: #9b1c1c; font-weight: 600; }
  ul.consumers { margin: 0; padding-left: 1rem; }
`;

/**
 * A whole page; `body` must already be escaped HTML. `nav` false on the login page;
 * `script`: the path of a same-origin script it loads (send it with `{ script: true }`).
 */
export function page(title: string, body: string, nav = true, script?: string): string {
  const header = nav
    ? `<header><strong>L01 admin</strong><a href="/admin/overview">Overview</a><a href="/admin/dead-letters">Dead letters</a><a href="/admin/queues">Publish queue</a>` +
      `<form class="inline" method="post" action="/admin/logout"><button type="submit">Log out</button></form></header>`
    : '<header><strong>L01 admin</strong></header>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} · L01 admin</title>` +
    `<style>${STYLE}</style>${script ? `<script src="${esc(script)}" defer></script>` : ''}</head><body>${header}<main>${body}</main></body></html>`;
}

export function sendPage(reply: FastifyReply, html: string, status = 200, o: { script?: boolean } = {}): FastifyReply {
  return reply
    .code(status)
    .header('content-security-policy', o.script ? SCRIPTED_CSP : CSP)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(html);
}
