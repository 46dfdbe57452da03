// Overview: nodes and health, connected clients, message rates, the Kafka mirror and the history
// writer, with charts over the last minutes. Rates per second come from the difference of the
// counters between two polls of /stats, so they react within one poll (the meters' own averages
// are one-minute moving averages).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api } from '../api.js';
import { ago, badge, bytes, clear, errorBox, h, number, table } from '../ui.js';

const POLL_MS = 2000;
const WINDOW_SECONDS = 5 * 60;

export function overviewPage(main) {
  const cards = h('div.cards');
  const health = h('section.panel', h('h2', 'Health'), h('p.empty', 'Loading…'));
  const nodes = h('section.panel', h('h2', 'Nodes'), h('p.empty', 'Loading…'));
  const error = h('div');
  const charts = h('div.charts');
  main.append(h('h1', 'Overview'), error, cards, charts, h('div.two', health, nodes));

  const series = { t: [], in: [], out: [], acked: [], failed: [], outstanding: [], lag: [] };
  const plots = [
    chart(charts, 'Messages per second', [['in', 'in', '#2563eb'], ['out', 'out', '#16a34a']], series),
    chart(charts, 'Kafka mirror records per second', [['acked', 'acked', '#16a34a'], ['failed', 'failed', '#dc2626']], series),
    chart(charts, 'Kafka outstanding bytes', [['outstanding', 'outstanding', '#9333ea']], series),
    chart(charts, 'History-writer lag (records)', [['lag', 'lag', '#ea580c']], series),
  ];
  let previous = null;
  let stopped = false;

  async function poll() {
    try {
      // Clients of all nodes: one count in PostgreSQL (a listing of 1,000 stopped counting there).
      const [stats, nodeList, connected] = await Promise.all([
        api('/stats'), api('/sessions/nodes'), api('/sessions/connected/count')]);
      const now = Date.now() / 1000;
      if (previous) {
        const dt = Math.max(now - previous.at, 0.001);
        const rate = (get) => Math.max(get(stats) - get(previous.stats), 0) / dt;
        push(series, {
          t: now,
          in: rate((s) => s.messagesIn.count),
          out: rate((s) => s.messagesOut.count),
          acked: rate((s) => s.kafkaMirror.acked.count),
          failed: rate((s) => s.kafkaMirror.failed.count),
          outstanding: stats.kafkaMirror.outstandingBytes,
          lag: stats.historyWriter.lag,
        });
        plots.forEach((p) => p.setData(data(p, series)));
      }
      previous = { at: now, stats };
      renderCards(cards, stats, connected.connected, series);
      renderNodes(nodes, nodeList);
      error.replaceChildren();
    } catch (e) {
      clear(error, errorBox(e));
    }
    try {
      const response = await fetch('/api/v1/health', { headers: { Accept: 'application/json' } });
      renderHealth(health, await response.json());
    } catch (e) {
      clear(health, h('h2', 'Health'), errorBox(e));
    }
  }

  poll();
  const timer = setInterval(() => { if (!stopped) poll(); }, POLL_MS);
  const resize = () => plots.forEach((p) => p.setSize(size(p.root.parentElement)));
  window.addEventListener('resize', resize);
  return () => {
    stopped = true;
    clearInterval(timer);
    window.removeEventListener('resize', resize);
    plots.forEach((p) => p.destroy());
  };
}

function push(series, point) {
  for (const key of Object.keys(series)) series[key].push(point[key]);
  while (series.t.length && series.t[0] < point.t - WINDOW_SECONDS) {
    for (const key of Object.keys(series)) series[key].shift();
  }
}

function data(plot, series) {
  return [series.t, ...plot.keys.map((k) => series[k])];
}

function size(el) {
  return { width: Math.max(el.clientWidth - 24, 200), height: 160 };
}

function chart(parent, title, lines, series) {
  const box = h('section.panel.chart', h('h2', title));
  parent.append(box);
  const plot = new uPlot({
    ...size(parent.clientWidth ? { clientWidth: parent.clientWidth / 2 } : box),
    series: [{}, ...lines.map(([, label, stroke]) => ({ label, stroke, width: 2, points: { show: false } }))],
    axes: [{}, { size: 60 }],
    legend: { show: true },
    scales: { x: { time: true } },
  }, [series.t, ...lines.map(() => [])], box);
  plot.keys = lines.map(([key]) => key);
  requestAnimationFrame(() => plot.setSize(size(box)));
  return plot;
}

function card(label, value, detail, kind = '') {
  return h(`div.card${kind ? '.' + kind : ''}`, h('span.label', label), h('strong.value', value), detail ? h('span.detail', detail) : null);
}

function last(list) {
  return list.length ? list[list.length - 1] : 0;
}

function renderCards(cards, stats, connectedAllNodes, series) {
  const mirror = stats.kafkaMirror;
  const writer = stats.historyWriter;
  clear(cards,
    card('Connected clients', number(connectedAllNodes), `${number(stats.connections)} on this node`),
    card('Messages in / s', number(last(series.in), 1), `${number(stats.messagesIn.count)} since start`),
    card('Messages out / s', number(last(series.out), 1), `${number(stats.messagesOut.count)} since start`),
    card('Kafka acknowledged', number(mirror.acked.count), `${number(mirror.failed.count)} failed · p99 ${number(mirror.sendLatencyP99Millis, 1)} ms`,
      mirror.failed.count ? 'warn' : ''),
    card('Kafka outstanding', bytes(mirror.outstandingBytes),
      mirror.backPressure ? 'back-pressure ACTIVE: publishers paused' : 'back-pressure off', mirror.backPressure ? 'bad' : ''),
    card('History-writer lag', number(writer.lag), writer.paused ? 'paused (PostgreSQL unavailable?)' : `${number(writer.rowsWritten.count)} rows written`,
      writer.paused ? 'bad' : (writer.lag > 10000 ? 'warn' : '')),
    queuedCard(stats.queued));
  cards.querySelectorAll('.card').forEach((c, i) => c.setAttribute('data-testid', `card-${i}`));
}

// What sessions hold for their clients: in memory against the heap bound, and past it in PostgreSQL.
function queuedCard(queued) {
  const atBound = queued.heapBoundBytes > 0 && queued.heapBytes >= queued.heapBoundBytes;
  const memory = queued.heapBoundBytes > 0
    ? `${bytes(queued.heapBytes)} of ${bytes(queued.heapBoundBytes)} in memory`
    : `${bytes(queued.heapBytes)} in memory (no bound)`;
  return card('Queued for clients', number(queued.messages),
    `${memory} · ${number(queued.inStore)} waiting in PostgreSQL`, atBound ? 'warn' : '');
}

function renderHealth(panel, report) {
  const rows = Object.entries(report.checks || {}).map(([name, result]) => ({ name, ...result }));
  const kinds = { UP: 'ok', DEGRADED: 'warn' };
  clear(panel, h('h2', 'Health ', badge(report.status, kinds[report.status] || 'bad')),
    table([
      { label: 'Check', render: (r) => r.name },
      { label: 'State', render: (r) => r.healthy ? badge('healthy', 'ok')
        : r.degraded ? badge('degraded', 'warn') : badge('unhealthy', 'bad') },
      { label: 'Message', render: (r) => r.message || '' },
    ], rows));
}

function renderNodes(panel, nodes) {
  clear(panel, h('h2', 'Nodes'), table([
    { label: 'Node', render: (n) => n.nodeId },
    { label: 'Started', render: (n) => ago(n.startedAt) },
    { label: 'Heartbeat', render: (n) => {
      const age = (Date.now() - new Date(n.lastHeartbeatAt).getTime()) / 1000;
      return h('span', badge(age < 60 ? 'alive' : 'silent', age < 60 ? 'ok' : 'bad'), ' ', ago(n.lastHeartbeatAt));
    } },
  ], nodes, { empty: 'No broker node has reported yet.' }));
}
