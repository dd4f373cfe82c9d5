/**
 * The dead-letter page: the Postgres dead letters (events that failed to publish on their
 * own), with Retry and Discard buttons. The buttons are plain HTML forms that post to this
 * page's routes, which call the same functions as the JSON admin routes
 * (`/api/dead-letters`) and the CLI, then redirect back (post/redirect/get).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Queryable } from '../../db/pool.js';
import * as deadLetters from '../../outbox/dead-letters.js';
import { esc, page, sendPage } from './html.js';

export interface DeadLetterPageOptions {
  db: Queryable;
  /** The relay's wake-up signal, after a retry put rows back in the outbox. */
  onCommit?: () => void;
}

interface Row {
  event_id: string;
  position: number;
  entity_type: string;
  event_type: string;
  status: deadLetters.DeadLetterStatus;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

const PAGE_SIZE = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NOTICES: Record<string, (n: string) => string> = {
  retried: (n) => `${n} dead letter${n === '1' ? '' : 's'} put back in the outbox: published after everything already out, marked replayed.`,
  discarded: () => 'Dead letter discarded (kept as discarded, never published).',
  unchanged: () => 'Nothing changed: that dead letter is no longer dead (retried or discarded meanwhile).',
};

const when = (iso: string) => esc(iso.replace('T', ' ').slice(0, 19));

function actions(r: Row): string {
  if (r.status !== 'dead') return '';
  const id = esc(r.event_id);
  return `<form class="inline" method="post" action="/admin/dead-letters/${id}/retry"><button class="act retry" type="submit" data-action="retry">Retry</button></form> ` +
    `<form class="inline" method="post" action="/admin/dead-letters/${id}/discard"><button class="act discard" type="submit" data-action="discard">Discard</button></form>`;
}

function listPage(rows: Row[], status: deadLetters.DeadLetterStatus | 'all', offset: number, notice: string | null): string {
  const filters = [...deadLetters.DEAD_LETTER_STATUSES, 'all'].map((s) =>
    `<a href="/admin/dead-letters?status=${s}"${s === status ? ' class="current"' : ''}>${s}</a>`).join('');
  const body = rows.map((r) =>
    `<tr data-event-id="${esc(r.event_id)}"><td><a href="/admin/dead-letters/${esc(r.event_id)}"><code>${esc(r.event_id)}</code></a></td>` +
    `<td>${esc(r.event_type)}</td><td>${esc(r.position)}</td><td>${esc(r.attempts)}</td>` +
    `<td class="error">${esc(r.last_error)}</td><td><span class="status status-${esc(r.status)}">${esc(r.status)}</span></td>` +
    `<td>${when(r.updated_at)}</td><td>${actions(r)}</td></tr>`).join('');
  const more = rows.length === PAGE_SIZE ? `<p><a href="/admin/dead-letters?status=${status}&offset=${offset + PAGE_SIZE}">Next ${PAGE_SIZE} →</a></p>` : '';
  const retryAll = status === 'dead' && rows.length > 0
    ? `<form method="post" action="/admin/dead-letters/retry-all"><button class="act retry" type="submit">Retry all dead letters</button></form>` : '';
  return page('Dead letters',
    `<h1>Dead letters</h1>${notice ? `<p class="notice" role="status">${esc(notice)}</p>` : ''}` +
    `<p>Events that failed to publish on their own after every attempt. Retry puts one back in the outbox; ` +
    `Discard keeps it as discarded, never published. JSON: <code>GET /api/dead-letters</code>.</p>` +
    `<nav class="filters">Status: ${filters}</nav>${retryAll}` +
    (rows.length === 0 ? `<p>No dead letters${status === 'all' ? '' : ` with status ${status}`}.</p>` :
      `<table><thead><tr><th>Event id</th><th>Event type</th><th>Position</th><th>Attempts</th><th>Last error</th>` +
      `<th>Status</th><th>Updated</th><th></th></tr></thead><tbody>${body}</tbody></table>`) + more);
}

export function registerDeadLetterPages(app: FastifyInstance, o: DeadLetterPageOptions): void {
  const { db } = o;
  const back = (reply: FastifyReply, done: string, n = '1') => reply.redirect(`/admin/dead-letters?done=${done}&n=${n}`, 303);
  const notFound = (reply: FastifyReply, id: string) =>
    sendPage(reply, page('Not found', `<h1>Not found</h1><p>No dead letter ${esc(id)}.</p><p><a href="/admin/dead-letters">Back</a></p>`), 404);

  app.get('/admin/dead-letters', { schema: { hide: true } }, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const status = q.status === 'all' || (deadLetters.DEAD_LETTER_STATUSES as readonly string[]).includes(q.status ?? '') ? (q.status as deadLetters.DeadLetterStatus | 'all') : 'dead';
    const offset = Math.max(0, Math.min(1_000_000, Number.parseInt(q.offset ?? '0', 10) || 0));
    const rows = JSON.parse(await deadLetters.listDeadLetters(db, { status: status === 'all' ? undefined : status, limit: PAGE_SIZE, offset })) as Row[];
    const notice = q.done && NOTICES[q.done] ? NOTICES[q.done]!(String(Number.parseInt(q.n ?? '1', 10) || 0)) : null;
    return sendPage(reply, listPage(rows, status, offset, notice));
  });

  app.get('/admin/dead-letters/:id', { schema: { hide: true } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const body = UUID.test(id) ? await deadLetters.getDeadLetter(db, id) : null;
    if (!body) return notFound(reply, id);
    const d = JSON.parse(body) as Row & { event: unknown };
    return sendPage(reply, page(`Dead letter ${id}`,
      `<h1>Dead letter <code>${esc(id)}</code></h1><p>${esc(d.event_type)} · ${esc(d.attempts)} attempts · ` +
      `<span class="status status-${esc(d.status)}">${esc(d.status)}</span> ${actions(d)}</p>` +
      `<h2>Last error</h2><pre>${esc(d.last_error)}</pre><h2>Event</h2><pre>${esc(JSON.stringify(d.event, null, 2))}</pre>` +
      `<p><a href="/admin/dead-letters">Back to the list</a></p>`));
  });

  app.post('/admin/dead-letters/:id/retry', { schema: { hide: true } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!UUID.test(id) || (await deadLetters.deadLetterStatus(db, id)) === null) return notFound(reply, id);
    const n = await deadLetters.requeueDeadLetters(db, [id]);
    if (n > 0) o.onCommit?.();
    return back(reply, n > 0 ? 'retried' : 'unchanged', String(n));
  });

  app.post('/admin/dead-letters/:id/discard', { schema: { hide: true } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!UUID.test(id) || (await deadLetters.deadLetterStatus(db, id)) === null) return notFound(reply, id);
    return back(reply, (await deadLetters.discardDeadLetter(db, id)) ? 'discarded' : 'unchanged');
  });

  app.post('/admin/dead-letters/retry-all', { schema: { hide: true } }, async (_req, reply) => {
    const n = await deadLetters.requeueDeadLetters(db, 'all');
    if (n > 0) o.onCommit?.();
    return back(reply, 'retried', String(n));
  });
}
