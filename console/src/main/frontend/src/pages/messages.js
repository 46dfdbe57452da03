// Messages: history by topic filter and time range with cursor paging, payloads as text, pretty
// JSON or hex, export of the current query as NDJSON or CSV, and a topic tree with counts.
import { api, query } from '../api.js';
import { toCsv } from '../csv.js';
import { asText, base64ToBytes, payloadView } from '../payload.js';
import { validateFilter } from '../topics.js';
import { ago, clear, deviceText, download, errorBox, h, number, table, time } from '../ui.js';

const PAGE_SIZE = 50;
const EXPORT_MAX = 10000;
const EXPORT_COLUMNS = ['receivedAt', 'topic', 'clientId', 'qos', 'retain', 'contentType', 'payload', 'payloadBase64'];
// The tree is built in the browser: past this many topics it shows the first ones and says so.
const TREE_MAX = 10000;

function localInput(id, label) {
  return h('label', label, h(`input#${id}`, { type: 'datetime-local', step: 1 }));
}

function toIso(input) {
  return input.value ? new Date(input.value).toISOString() : undefined;
}

export function messagesPage(main) {
  const topic = h('input#msg-topic', { value: '#', placeholder: 'topic filter, e.g. sensors/+/temp', 'aria-label': 'Topic filter' });
  const clientId = h('input#msg-client', { placeholder: 'client id (optional)', 'aria-label': 'Client id' });
  const from = localInput('msg-from', 'From');
  const to = localInput('msg-to', 'To');
  const mode = h('select#msg-mode', { 'aria-label': 'Payload as' },
    h('option', { value: 'text' }, 'text'), h('option', { value: 'json' }, 'JSON (pretty)'), h('option', { value: 'hex' }, 'hex'));
  const list = h('div#message-list');
  const pager = h('div.pager');
  const tree = h('section.panel.topic-tree', h('h2', 'Topics'), h('p.empty', 'Loading…'));
  const cursors = [null];
  let page = 0;
  let items = [];

  function params() {
    const problem = validateFilter(topic.value.trim());
    if (problem) throw new Error(`Topic filter: ${problem}`);
    return { topic: topic.value.trim(), clientId: clientId.value.trim(), from: toIso(from.querySelector('input')), to: toIso(to.querySelector('input')) };
  }

  async function load() {
    try {
      const result = await api('/messages' + query({ ...params(), cursor: cursors[page], limit: PAGE_SIZE, payloadEncoding: 'base64' }));
      cursors[page + 1] = result.nextCursor;
      items = result.items;
      clear(list, messageList(items, mode.value));
      clear(pager,
        h('button.secondary', { type: 'button', disabled: page === 0, onclick: () => { page--; load(); } }, '‹ Newer'),
        h('span', `Page ${page + 1}`),
        h('button.secondary', { type: 'button', disabled: !result.nextCursor, onclick: () => { page++; load(); } }, 'Older ›'));
    } catch (e) {
      clear(list, errorBox(e));
      pager.replaceChildren();
    }
  }

  async function exportAs(format) {
    try {
      const base = params();
      const all = [];
      let cursor = null;
      do {
        const result = await api('/messages' + query({ ...base, cursor, limit: 1000, payloadEncoding: 'base64' }));
        all.push(...result.items);
        cursor = result.nextCursor;
      } while (cursor && all.length < EXPORT_MAX);
      const rows = all.map((m) => ({ receivedAt: m.receivedAt, topic: m.topic, clientId: m.clientId, qos: m.qos, retain: m.retain,
        contentType: m.contentType || '', payload: asText(base64ToBytes(m.payload)), payloadBase64: m.payload || '' }));
      if (format === 'ndjson') {
        download('messages.ndjson', 'application/x-ndjson', rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      } else {
        download('messages.csv', 'text/csv', toCsv(EXPORT_COLUMNS, rows));
      }
    } catch (e) {
      clear(list, errorBox(e));
    }
  }

  async function loadTree() {
    try {
      const topics = [];
      let cursor = null;
      do {
        const result = await api('/topics' + query({ cursor, limit: 1000 }));
        topics.push(...result.items);
        cursor = result.nextCursor;
      } while (cursor && topics.length < TREE_MAX);
      clear(tree, h('h2', 'Topics'), topics.length ? topicTree(topics, (filter) => { topic.value = filter; restart(); })
        : h('p.empty', 'No messages stored yet.'),
      cursor ? h('p.empty', `Showing the first ${number(topics.length)} topics.`) : null);
    } catch (e) {
      clear(tree, h('h2', 'Topics'), errorBox(e));
    }
  }

  const restart = () => { page = 0; cursors.length = 1; load(); };
  mode.addEventListener('change', () => clear(list, messageList(items, mode.value)));
  const form = h('form.panel.query', { onsubmit: (e) => { e.preventDefault(); restart(); loadTree(); } },
    h('div.grid4', h('label', 'Topic filter', topic), h('label', 'Client id', clientId), from, to),
    h('div.toolbar', h('button#msg-search', { type: 'submit' }, 'Search'), h('label.inline', 'Payload as ', mode),
      h('span.spacer'),
      h('button.secondary#export-ndjson', { type: 'button', onclick: () => exportAs('ndjson') }, 'Export NDJSON'),
      h('button.secondary#export-csv', { type: 'button', onclick: () => exportAs('csv') }, 'Export CSV')));
  main.append(h('h1', 'Messages'), h('div.messages-layout', h('div', form, list, pager), tree));
  load();
  loadTree();
}

export function messageList(items, mode) {
  return table([
    { label: 'Received', render: (m) => time(m.receivedAt) },
    { label: 'Topic', render: (m) => h('code.topic', deviceText(m.topic)) },
    { label: 'Client', render: (m) => deviceText(m.clientId) },
    { label: 'QoS', render: (m) => `${m.qos}${m.retain ? ' R' : ''}` },
    { label: 'Payload', render: (m) => payloadView(base64ToBytes(m.payload), mode) },
  ], items, { empty: 'No messages match.' });
}

/** Topics as a tree; each node shows the messages under it and when it was last seen. */
function topicTree(topics, choose) {
  const root = { children: new Map(), count: 0, last: null };
  for (const t of topics) {
    let node = root;
    const levels = t.topic.split('/');
    levels.forEach((level, i) => {
      if (!node.children.has(level)) node.children.set(level, { children: new Map(), count: 0, last: null, path: levels.slice(0, i + 1).join('/') });
      node = node.children.get(level);
      node.count += t.messageCount;
      if (!node.last || t.lastSeenAt > node.last) node.last = t.lastSeenAt;
    });
  }
  const renderLevel = (node) => h('ul', [...node.children.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, child]) => {
    const leaf = child.children.size === 0;
    const label = h('span.tree-label', h('button.link', { type: 'button', title: leaf ? child.path : `${child.path}/#`,
      onclick: () => choose(leaf ? child.path : `${child.path}/#`) }, name ? deviceText(name) : '(empty)'),
    h('span.count', number(child.count)), h('span.seen', ago(child.last)));
    return h('li', leaf ? label : h('details', { open: child.children.size < 8 }, h('summary', label), renderLevel(child)));
  }));
  return renderLevel(root);
}
