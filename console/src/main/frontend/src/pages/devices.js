// Devices: search and page the registry, create with an ACL editor, enable/disable, rotate
// credentials (the new secret is shown once), delete; and one device's page.
import { api, query, segment } from '../api.js';
import { validateAclFilter } from '../topics.js';
import { ago, attempt, badge, clear, confirmDialog, deviceText, errorBox, h, secretDialog, table, time } from '../ui.js';
import { messageList } from './messages.js';

const PAGE_SIZE = 25;

export function devicesPage(main, ctx) {
  const search = h('input#device-search', { type: 'search', placeholder: 'Search id or name', 'aria-label': 'Search devices' });
  const enabledFilter = h('select#device-enabled', { 'aria-label': 'Enabled' },
    h('option', { value: '' }, 'all'), h('option', { value: 'true' }, 'enabled'), h('option', { value: 'false' }, 'disabled'));
  const list = h('div');
  const pager = h('div.pager');
  const cursors = [null];
  let page = 0;

  async function load() {
    try {
      const result = await api('/devices' + query({
        search: search.value.trim(), enabled: enabledFilter.value, cursor: cursors[page], limit: PAGE_SIZE,
      }));
      cursors[page + 1] = result.nextCursor;
      clear(list, table([
        { label: 'Device', render: (d) => h('a', { href: `#/devices/${encodeURIComponent(d.id)}` }, deviceText(d.id)) },
        { label: 'Name', render: (d) => d.displayName || '' },
        { label: 'State', render: (d) => badge(d.enabled ? 'enabled' : 'disabled', d.enabled ? 'ok' : 'muted') },
        { label: 'Created', render: (d) => time(d.createdAt) },
        { label: '', render: (d) => ctx.readOnly ? '' : deviceActions(d, load) },
      ], result.items, { empty: 'No devices match.', rowAttrs: (d) => ({ dataset: { device: d.id } }) }));
      clear(pager,
        h('button.secondary', { type: 'button', disabled: page === 0, onclick: () => { page--; load(); } }, '‹ Previous'),
        h('span', `Page ${page + 1}`),
        h('button.secondary', { type: 'button', disabled: !result.nextCursor, onclick: () => { page++; load(); } }, 'Next ›'));
    } catch (e) {
      clear(list, errorBox(e));
    }
  }

  const restart = () => { page = 0; cursors.length = 1; load(); };
  let debounce;
  search.addEventListener('input', () => { clearTimeout(debounce); debounce = setTimeout(restart, 250); });
  enabledFilter.addEventListener('change', restart);

  main.append(h('h1', 'Devices'),
    ctx.readOnly ? h('p.hint', 'Read-only: you can look at everything but change nothing.') : createDeviceForm(restart),
    h('div.toolbar', search, enabledFilter), list, pager);
  load();
}

function deviceActions(device, reload) {
  return h('div.row-actions',
    h('button.secondary.small', {
      type: 'button', dataset: { action: device.enabled ? 'disable' : 'enable' },
      onclick: () => attempt(() => api(`/devices/${segment(device.id)}`, { method: 'PATCH', body: { enabled: !device.enabled } }),
        [deviceText(device.id), device.enabled ? ' disabled; its connections were closed' : ' enabled']).then(reload),
    }, device.enabled ? 'Disable' : 'Enable'),
    h('button.secondary.small', { type: 'button', dataset: { action: 'rotate' }, onclick: () => rotate(device.id) }, 'Rotate'),
    h('button.danger.small', { type: 'button', dataset: { action: 'delete' }, onclick: () => remove(device.id, reload) }, 'Delete'));
}

async function rotate(id) {
  if (!await confirmDialog('Rotate credentials', ['A new password for ', deviceText(id), '. The current one stays valid for 10 minutes.'], 'Rotate')) return;
  const result = await attempt(() => api(`/devices/${segment(id)}/credentials/rotate`, { method: 'POST', body: { graceSeconds: 600 } }));
  if (result) {
    secretDialog('New password', ['The new password of ', deviceText(id), '. It is shown only now: store it on the device.'], result.generatedPassword);
  }
}

async function remove(id, after) {
  if (!await confirmDialog('Delete device', ['Delete ', deviceText(id), '? Its connections are closed and it can no longer connect.'], 'Delete')) return;
  if (await attempt(() => api(`/devices/${segment(id)}`, { method: 'DELETE' }).then(() => true), [deviceText(id), ' deleted'])) after();
}

/** The ACL editor: rows of permission, action and filter, each filter checked as the broker checks it. */
export function aclEditor(initial = [{ permission: 'allow', action: 'all', topicFilter: 'devices/%c/#' }]) {
  const rows = h('div.acl-rows');
  function addRow(rule = { permission: 'allow', action: 'all', topicFilter: '' }) {
    const filter = h('input.acl-filter', { value: rule.topicFilter, placeholder: 'e.g. sensors/%c/#', 'aria-label': 'Topic filter' });
    const problem = h('span.field-error');
    const check = () => {
      const message = filter.value ? validateAclFilter(filter.value) : null;
      problem.textContent = message ? `Invalid filter: ${message}` : '';
      filter.classList.toggle('invalid', Boolean(message));
    };
    filter.addEventListener('input', check);
    const row = h('div.acl-row',
      select('acl-permission', ['allow', 'deny'], rule.permission),
      select('acl-action', ['all', 'publish', 'subscribe'], rule.action),
      filter,
      h('button.secondary.small', { type: 'button', 'aria-label': 'Remove rule', onclick: () => row.remove() }, '✕'),
      problem);
    rows.append(row);
    check();
  }
  initial.forEach(addRow);
  const el = h('div.acl-editor', rows,
    h('button.secondary.small#acl-add', { type: 'button', onclick: () => addRow() }, '+ Rule'),
    h('p.hint', '%c is the client id, %u the user name (one whole level each); + and # are MQTT wildcards.'));
  el.rules = () => [...rows.querySelectorAll('.acl-row')].map((row) => ({
    permission: row.querySelector('.acl-permission').value,
    action: row.querySelector('.acl-action').value,
    topicFilter: row.querySelector('.acl-filter').value.trim(),
  })).filter((r) => r.topicFilter);
  el.problems = () => el.rules().map((r) => validateAclFilter(r.topicFilter)).filter(Boolean);
  return el;
}

function select(cls, options, value) {
  return h(`select.${cls}`, { 'aria-label': cls.replace('acl-', '') }, options.map((o) => h('option', { value: o, selected: o === value }, o)));
}

function createDeviceForm(created) {
  const id = h('input#new-device-id', { required: true, placeholder: 'device id (MQTT user name)', pattern: '[^\\s]+' });
  const name = h('input#new-device-name', { placeholder: 'display name (optional)' });
  const password = h('input#new-device-password', { type: 'password', autocomplete: 'new-password', placeholder: 'password (empty: generate one)' });
  const acl = aclEditor();
  const error = h('div');
  const form = h('form.panel.create-device', {
    onsubmit: async (event) => {
      event.preventDefault();
      error.replaceChildren();
      const problems = acl.problems();
      if (problems.length) {
        clear(error, errorBox(new Error(`Fix the ACL first: ${problems[0]}`)));
        return;
      }
      try {
        const result = await api('/devices', { method: 'POST', body: {
          id: id.value.trim(), displayName: name.value.trim() || undefined,
          password: password.value || undefined, aclRules: acl.rules(),
        } });
        if (result.generatedPassword) {
          secretDialog('Device created', `The generated password of ${result.device.id}. It is shown only now.`, result.generatedPassword);
        }
        form.reset();
        form.closest('details').open = false;
        created();
      } catch (e) {
        clear(error, errorBox(e));
      }
    },
  },
  h('div.grid2', h('label', 'Device id', id), h('label', 'Display name', name), h('label', 'Password', password)),
  h('h3', 'Access rules'), acl, error, h('button#create-device', { type: 'submit' }, 'Create device'));
  return h('details.create', h('summary#new-device', 'New device'), form);
}

export async function devicePage(main, ctx) {
  const id = ctx.params[0];
  main.append(h('p', h('a', { href: '#/devices' }, '‹ Devices')));
  let device;
  try {
    device = await api(`/devices/${segment(id)}`);
  } catch (e) {
    main.append(h('h1', deviceText(id)), errorBox(e));
    return;
  }
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  main.append(
    h('h1', deviceText(device.id), ' ', badge(device.enabled ? 'enabled' : 'disabled', device.enabled ? 'ok' : 'muted')),
    h('p.hint', device.displayName || '', ` · created ${time(device.createdAt)} · updated ${time(device.updatedAt)}`));
  // Element.append writes null as the text "null", so a read-only operator's page appends nothing.
  if (!ctx.readOnly) {
    main.append(h('div.toolbar', deviceActions(device, () => {
      if (location.hash.startsWith('#/devices/')) reload();
    })));
  }
  const aclSection = h('section.panel', h('h2', 'Access rules'));
  if (ctx.readOnly) {
    aclSection.append(table([
      { label: 'Permission', render: (r) => r.permission }, { label: 'Action', render: (r) => r.action },
      { label: 'Filter', render: (r) => h('code', deviceText(r.topicFilter)) }], device.aclRules || []));
  } else {
    const editor = aclEditor(device.aclRules || []);
    aclSection.append(editor, h('button#save-acl', { type: 'button', onclick: async () => {
      const problems = editor.problems();
      if (problems.length) return attempt(() => Promise.reject(new Error(`Fix the ACL first: ${problems[0]}`)));
      return attempt(() => api(`/devices/${segment(id)}`, { method: 'PATCH', body: { aclRules: editor.rules() } }), 'Access rules saved');
    } }, 'Save rules'));
  }
  const sessions = h('section.panel', h('h2', 'Sessions'), h('p.empty', 'Loading…'));
  const subscriptions = h('section.panel', h('h2', 'Subscriptions (connected now, this node)'), h('p.empty', 'Loading…'));
  const messages = h('section.panel', h('h2', 'Latest messages'), h('p.empty', 'Loading…'));
  main.append(h('div.two', aclSection, subscriptions), sessions, messages);

  try {
    const history = await api('/sessions' + query({ deviceId: id, limit: 20 }));
    clear(sessions, h('h2', 'Sessions'), sessionTable(history.items));
    const clientIds = [...new Set(history.items.map((s) => s.clientId))].slice(0, 5);
    const connectedIds = [...new Set(history.items.filter((s) => !s.disconnectedAt).map((s) => s.clientId))];
    const subs = (await Promise.all(connectedIds.map((c) => api(`/live/clients/${segment(c)}/subscriptions`)
      .then((list) => list.map((s) => ({ clientId: c, ...s }))).catch(() => [])))).flat();
    clear(subscriptions, h('h2', 'Subscriptions (connected now, this node)'), table([
      { label: 'Client', render: (s) => deviceText(s.clientId) },
      { label: 'Filter', render: (s) => h('code', deviceText(s.topicFilter || s.filter || '')) },
      { label: 'QoS', render: (s) => s.qos ?? '' }], subs, { empty: 'No subscriptions.' }));
    const latest = (await Promise.all(clientIds.map((c) => api('/messages' + query({ clientId: c, limit: 20, payloadEncoding: 'base64' })))))
      .flatMap((p) => p.items).sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : -1)).slice(0, 20);
    clear(messages, h('h2', 'Latest messages'), messageList(latest, 'text'));
  } catch (e) {
    sessions.append(errorBox(e));
  }
}

export function sessionTable(items) {
  return table([
    { label: 'Client', render: (s) => deviceText(s.clientId) },
    { label: 'Node', render: (s) => s.nodeId },
    { label: 'Address', render: (s) => s.remoteAddress || '' },
    { label: 'MQTT', render: (s) => (s.protocolVersion === 5 ? '5.0' : '3.1.1') },
    { label: 'Connected', render: (s) => time(s.connectedAt) },
    { label: 'Disconnected', render: (s) => (s.disconnectedAt ? `${time(s.disconnectedAt)} (${ago(s.disconnectedAt)})` : badge('connected', 'ok')) },
    { label: 'Reason', render: (s) => s.disconnectReason || '' },
  ], items, { empty: 'No sessions.' });
}
