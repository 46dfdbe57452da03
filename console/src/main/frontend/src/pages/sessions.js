// Sessions: who is connected now on every node, disconnect reasons, a device's timeline, and
// disconnecting a client.
import { api, query, segment } from '../api.js';
import { attempt, badge, clear, confirmDialog, deviceText, errorBox, h, table, time } from '../ui.js';

const CONNECTED_PAGE_SIZE = 100;

export function sessionsPage(main, ctx) {
  const connected = h('section.panel', h('h2', 'Connected now'), h('p.empty', 'Loading…'));
  const connectedPager = h('div.pager');
  // Newest connection first; each page's cursor goes further back. The 3 s refresh reloads the page shown.
  const connectedCursors = [null];
  let connectedPage = 0;
  // Set when the page is left: the reload scheduled after a disconnect must not outlive it.
  let left = false;
  const reasons = h('section.panel', h('h2', 'Disconnect reasons (last 24 h)'), h('p.empty', 'Loading…'));
  const deviceInput = h('input#timeline-device', { placeholder: 'device id', 'aria-label': 'Device id for the timeline' });
  const timeline = h('div');
  const timelinePager = h('div.pager');
  // The API lists the most recent events first; each page's cursor goes further back.
  const timelineCursors = [null];
  let timelinePage = 0;
  const timelineForm = h('form.toolbar', {
    onsubmit: (e) => { e.preventDefault(); timelinePage = 0; timelineCursors.length = 1; loadTimeline(); },
  }, deviceInput, h('button', { type: 'submit' }, 'Show timeline'));
  main.append(h('h1', 'Sessions'), connected,
    h('div.two', reasons, h('section.panel', h('h2', 'Timeline of a device'), timelineForm, timeline, timelinePager)));

  async function loadConnected() {
    if (left) return;
    try {
      const page = await api('/sessions/connected'
        + query({ cursor: connectedCursors[connectedPage], limit: CONNECTED_PAGE_SIZE }));
      connectedCursors[connectedPage + 1] = page.nextCursor;
      renderConnectedPager(page);
      clear(connected, h('h2', `Connected now (${connectedRange(page)})`), table([
        { label: 'Client', render: (s) => h('span.client-id', deviceText(s.clientId)) },
        { label: 'Device', render: (s) => (s.deviceId ? h('a', { href: `#/devices/${encodeURIComponent(s.deviceId)}` }, deviceText(s.deviceId)) : deviceText(s.username)) },
        { label: 'Node', render: (s) => s.nodeId },
        { label: 'Address', render: (s) => s.remoteAddress || '' },
        { label: 'MQTT', render: (s) => (s.protocolVersion === 5 ? '5.0' : '3.1.1') },
        { label: 'Keep-alive', render: (s) => `${s.keepAliveSeconds ?? ''} s` },
        { label: 'Since', render: (s) => time(s.connectedAt) },
        { label: '', render: (s) => (ctx.readOnly ? '' : h('button.danger.small', {
          type: 'button', dataset: { action: 'disconnect' },
          onclick: async () => {
            if (!await confirmDialog('Disconnect client', ['Disconnect ', deviceText(s.clientId), '? MQTT 5 clients receive reason 0x98 (administrative action).'], 'Disconnect')) return;
            await attempt(() => api(`/live/clients/${segment(s.clientId)}`, { method: 'DELETE' }), [deviceText(s.clientId), ' disconnected']);
            setTimeout(loadConnected, 500);
          },
        }, 'Disconnect')) },
      ], page.items, { empty: 'No client is connected.', rowAttrs: (s) => ({ dataset: { client: s.clientId } }) }),
      connectedPager);
    } catch (e) {
      clear(connected, h('h2', 'Connected now'), errorBox(e));
      connectedPager.replaceChildren();
    }
  }

  function connectedRange(page) {
    const first = connectedPage * CONNECTED_PAGE_SIZE;
    if (!page.items.length) return first ? `none past ${first}` : 'none';
    return `${first + 1}–${first + page.items.length}${page.nextCursor ? ', more on the next pages' : ''}`;
  }

  function renderConnectedPager(page) {
    clear(connectedPager,
      h('button.secondary#connected-previous', { type: 'button', disabled: connectedPage === 0,
        onclick: () => { connectedPage--; loadConnected(); } }, '‹ Previous'),
      h('span', `Page ${connectedPage + 1}`),
      h('button.secondary#connected-next', { type: 'button', disabled: !page.nextCursor,
        onclick: () => { connectedPage++; loadConnected(); } }, 'Next ›'));
  }

  async function loadReasons() {
    try {
      const from = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
      const list = await api('/sessions/disconnect-reasons' + query({ from }));
      const max = Math.max(1, ...list.map((r) => r.sessions));
      clear(reasons, h('h2', 'Disconnect reasons (last 24 h)'), table([
        { label: 'Reason', render: (r) => r.reason || '(none)' },
        { label: 'Sessions', render: (r) => h('span.bar-cell', h('span.bar', { style: `width:${(100 * r.sessions) / max}%` }), String(r.sessions)) },
      ], list, { empty: 'No disconnects in the last 24 hours.' }));
    } catch (e) {
      clear(reasons, h('h2', 'Disconnect reasons'), errorBox(e));
    }
  }

  async function loadTimeline() {
    const id = deviceInput.value.trim();
    if (!id) return;
    try {
      const result = await api(`/sessions/timeline/${segment(id)}`
        + query({ cursor: timelineCursors[timelinePage], limit: 200 }));
      timelineCursors[timelinePage + 1] = result.nextCursor;
      const events = result.items;
      clear(timelinePager,
        h('button.secondary', { type: 'button', disabled: timelinePage === 0,
          onclick: () => { timelinePage--; loadTimeline(); } }, '‹ Newer'),
        h('span', `Page ${timelinePage + 1}`),
        h('button.secondary', { type: 'button', disabled: !result.nextCursor,
          onclick: () => { timelinePage++; loadTimeline(); } }, 'Older ›'));
      clear(timeline, events.length ? h('ol.timeline', events.map((e) => h('li', { class: e.type.toLowerCase() },
        h('time', time(e.at)), ' ', badge(e.type.toLowerCase(), e.type === 'CONNECTED' ? 'ok' : (e.type === 'DISCONNECTED' ? 'bad' : 'muted')),
        ' ', deviceText(e.clientId), e.nodeId ? ` on ${e.nodeId}` : '',
        e.topicFilters.length ? h('code', ' ', e.topicFilters.map((f, i) => [i ? ', ' : '', deviceText(f)])) : '',
        e.disconnectReason ? ` — ${e.disconnectReason}` : ''))) : h('p.empty', 'No events for this device.'));
    } catch (e) {
      clear(timeline, errorBox(e));
      timelinePager.replaceChildren();
    }
  }

  loadConnected();
  loadReasons();
  const timer = setInterval(loadConnected, 3000);
  return () => {
    left = true;
    clearInterval(timer);
  };
}
