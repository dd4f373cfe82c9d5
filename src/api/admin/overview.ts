/**
 * The dashboard's landing page, /admin/overview: per relay partition its leader, backlog,
 * oldest unpublished event, publish rate and dead letters; per event stream its length and
 * each consumer group's lag, pending entries and idle consumers (outbox/overview.ts reads
 * them). The same figures as JSON at /admin/overview.json, for scripts.
 *
 * Live without a reload: the page loads one same-origin script (/admin/overview.js, no
 * inline script, so the CSP stays `script-src 'self'`) that fetches /admin/overview/live
 * every 2 s and swaps the tables in. That fragment is rendered by the same function as the
 * first load, so there is one renderer and every value is escaped on the server. When a
 * fetch fails the page keeps the last figures and says so; when the session has ended
 * (401) it stops and says to log in again.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RedisClient } from '../../redis.js';
import { duration } from '../../cli/format.js';
import type { Queryable } from '../../db/pool.js';
import { DEFAULT_IDLE_AFTER_MS, readOverview, type Overview, type PartitionOverview, type StreamOverview } from '../../outbox/overview.js';
import type { WireNames } from '../../wire/names.js';
import { Problem } from '../problems.js';
import { esc, page, sendPage } from './html.js';

export interface OverviewPageOptions {
  db: Queryable;
  redis: RedisClient;
  names: Pick<WireNames, 'prefix'>;
  /** The global stream and one per entity type: listed whenever they exist. */
  knownStreams: readonly string[];
  /** L01_RELAY_PARTITIONS (default 1). */
  partitions?: number;
}

export const OVERVIEW_PATH = '/admin/overview';
const SOURCE_TIMEOUT_MS = 2000;
const REFRESH_MS = 2000;
const MAX_IDLE_AFTER_MS = 7 * 86_400_000;

const num = (v: number | null | undefined) => (v === null || v === undefined ? '<span class="muted">—</span>' : esc(v.toLocaleString('en-US')));
const ms = (v: number | null) => (v === null ? '<span class="muted">—</span>' : esc(duration(v / 1000)));
const when = (iso: string) => esc(iso.replace('T', ' ').slice(0, 19));

function leaderCell(p: PartitionOverview): string {
  if (!p.leader) return p.backlog === null ? num(null) : '<span class="warn">none</span> <span class="muted">(no worker is relaying)</span>';
  const l = p.leader;
  const from = l.client_addr ? ` from ${esc(l.client_addr)}${l.client_port ? `:${esc(l.client_port)}` : ''}` : '';
  return `pid ${esc(l.pid)}${from}<br><span class="muted">since ${when(l.backend_start)}</span>` +
    (l.note ? `<br><span class="warn">${esc(l.note)}</span>` : '');
}

function partitionRow(p: PartitionOverview): string {
  const rate = p.published_last_minute === null ? num(null) : `${num(p.published_last_minute)} <span class="muted">(${esc(p.publish_rate_per_s)}/s)</span>`;
  const dead = p.dead_letters ? `<a class="warn" href="/admin/dead-letters">${num(p.dead_letters)}</a>` : num(p.dead_letters);
  return `<tr data-partition="${esc(p.partition)}"><td>${esc(p.partition)}</td><td data-field="leader">${leaderCell(p)}</td>` +
    `<td class="num" data-field="backlog">${num(p.backlog)}</td><td class="num" data-field="oldest_age">${ms(p.oldest_age_ms)}</td>` +
    `<td class="num" data-field="published_last_minute">${rate}</td><td class="num" data-field="dead_letters">${dead}</td>` +
    `<td data-field="checkpoint"><code>${esc(p.checkpoint ?? '—')}</code> <span class="muted">(${num(p.published_total)} published)</span></td></tr>`;
}

function streamRows(s: StreamOverview): string {
  const key = esc(s.key);
  const head = (span: number) => `<td rowspan="${span}"><code>${key}</code></td><td class="num" rowspan="${span}" data-field="length">${num(s.length)}</td>`;
  if (s.groups.length === 0) {
    return `<tr class="group-first" data-stream="${key}">${head(1)}<td colspan="6" class="muted">no consumer groups</td></tr>`;
  }
  return s.groups.map((g, i) => {
    const consumers = g.consumers.length === 0 ? '<span class="muted">none</span>' :
      `<ul class="consumers">${g.consumers.map((c) => `<li>${esc(c.name)} <span class="muted">(${num(c.pending)} pending, idle ${ms(c.idle_ms)})</span></li>`).join('')}</ul>`;
    return `<tr${i === 0 ? ' class="group-first"' : ''} data-stream="${key}" data-group="${esc(g.name)}">${i === 0 ? head(s.groups.length) : ''}` +
      `<td>${esc(g.name)}</td><td class="num" data-field="lag">${num(g.lag)}</td><td class="num" data-field="pending">${num(g.pending)}</td>` +
      `<td class="num" data-field="entries_read">${num(g.entries_read)}</td><td data-field="consumers">${consumers}</td>` +
      `<td class="num" data-field="idle_consumers">${g.idle_consumers > 0 ? `<span class="warn">${num(g.idle_consumers)}</span>` : num(0)}</td></tr>`;
  }).join('');
}

/** The live part of the page: what the script swaps in every refresh. */
export function overviewTables(o: Overview): string {
  const down = o.unavailable.length ? `<p class="problem">Not answering: ${esc(o.unavailable.join(', '))}. Their figures are missing below.</p>` : '';
  return `${down}<p class="muted">As of <time id="generated-at" datetime="${esc(o.generated_at)}">${when(o.generated_at)}</time> UTC.</p>` +
    `<h2>Relay partitions</h2><table class="partitions"><thead><tr><th>Partition</th><th>Leader (relay lock holder)</th>` +
    `<th class="num">Backlog</th><th class="num">Oldest unpublished</th><th class="num">Published, last minute</th>` +
    `<th class="num">Dead letters</th><th>Checkpoint</th></tr></thead><tbody>${o.partitions.map(partitionRow).join('')}</tbody></table>` +
    `<h2>Streams</h2>` +
    (o.streams.length === 0 ? '<p>No event stream in Redis yet.</p>' :
      `<table class="streams"><thead><tr><th>Stream</th><th class="num">Length</th><th>Consumer group</th><th class="num">Lag</th>` +
      `<th class="num">Pending</th><th class="num">Entries read</th><th>Consumers</th><th class="num">Idle ≥ ${esc(o.idle_after_ms / 1000)} s</th></tr></thead>` +
      `<tbody>${o.streams.map(streamRows).join('')}</tbody></table>`) +
    (o.streams_complete ? '' : '<p class="muted">Stream discovery stopped early (a large keyspace): streams of appended event types may be missing.</p>');
}

function overviewPage(o: Overview): string {
  return page('Overview',
    `<h1>Overview</h1><p class="live" id="refresh-status">Refreshes every ${REFRESH_MS / 1000} s.</p>` +
    `<div id="overview" data-refresh-ms="${REFRESH_MS}">${overviewTables(o)}</div>` +
    `<p class="muted">JSON: <code>GET ${OVERVIEW_PATH}.json</code> (admin token).</p>`,
    true, `${OVERVIEW_PATH}.js`);
}

/**
 * The page's script. Plain ES2017, no dependencies. One fetch at a time (the next is
 * scheduled when one ends), none while the tab is hidden.
 */
const SCRIPT = `'use strict';
(function () {
  var root = document.getElementById('overview');
  var status = document.getElementById('refresh-status');
  var every = Number(root.getAttribute('data-refresh-ms')) || 2000;
  function say(text, failing) { status.textContent = text; status.className = failing ? 'live failing' : 'live'; }
  function later() { setTimeout(refresh, every); }
  function refresh() {
    if (document.hidden) return later();
    fetch('${OVERVIEW_PATH}/live', { cache: 'no-store', credentials: 'same-origin' }).then(function (res) {
      if (res.status === 401) { say('Session ended: reload the page to log in again. Figures below are no longer live.', true); return; }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.text().then(function (html) {
        root.innerHTML = html;
        say('Live: refreshed ' + new Date().toLocaleTimeString() + ', every ' + every / 1000 + ' s.', false);
        later();
      });
    }).catch(function (err) {
      say('Refresh failed (' + err.message + '); showing the last figures, retrying.', true);
      later();
    });
  }
  later();
})();
`;

function idleAfter(req: FastifyRequest): number | null {
  const raw = (req.query as Record<string, string | undefined>).idle_after_ms;
  if (raw === undefined) return DEFAULT_IDLE_AFTER_MS;
  const n = Number(raw);
  return /^\d+$/.test(raw) && n <= MAX_IDLE_AFTER_MS ? n : null;
}

export function registerOverviewPage(app: FastifyInstance, o: OverviewPageOptions): void {
  const read = (idleAfterMs = DEFAULT_IDLE_AFTER_MS) =>
    readOverview({ db: o.db, redis: o.redis, names: o.names, knownStreams: o.knownStreams, partitions: o.partitions ?? 1, timeoutMs: SOURCE_TIMEOUT_MS }, idleAfterMs);
  const fresh = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  app.get(OVERVIEW_PATH, { schema: { hide: true } }, async (_req, reply) => sendPage(reply, overviewPage(await read()), 200, { script: true }));

  app.get(`${OVERVIEW_PATH}/live`, { schema: { hide: true } }, async (_req, reply) =>
    fresh(reply).type('text/html; charset=utf-8').send(overviewTables(await read())));

  app.get(`${OVERVIEW_PATH}.json`, { schema: { hide: true } }, async (req, reply) => {
    const idleAfterMs = idleAfter(req);
    if (idleAfterMs === null) throw new Problem(400, 'Bad Request', `idle_after_ms must be an integer from 0 to ${MAX_IDLE_AFTER_MS}`);
    return fresh(reply).send(await read(idleAfterMs));
  });

  app.get(`${OVERVIEW_PATH}.js`, { schema: { hide: true } }, (_req, reply) =>
    fresh(reply).type('text/javascript; charset=utf-8').send(SCRIPT));
}
