// Live view: an MQTT client in the page subscribes over MQTT over secure WebSocket to the broker's
// WSS listener, authorized by a short-lived token that the API issues for the signed-in operator
// (subscribe only, to the filter asked for). The broker closes the connection when the token
// expires, so before that the page takes a new token and opens a second connection; once that one
// is subscribed it takes over and the first is closed, and nothing published meanwhile is missed.
// A connection that closes anyway (the broker restarted) is opened again after a pause.
import mqtt from 'mqtt';
import { api } from '../api.js';
import { payloadView } from '../payload.js';
import { clear, deviceText, errorBox, h, time } from '../ui.js';
import { validateFilter } from '../topics.js';

const MAX_SHOWN = 500;
const RECONNECT_MS = 2000;
// How long before its token expires a connection is replaced.
const RENEW_BEFORE_MS = 10000;

export function livePage(main) {
  const filter = h('input#live-filter', { value: '#', 'aria-label': 'Topic filter' });
  const mode = h('select#live-mode', { 'aria-label': 'Payload as' },
    h('option', { value: 'text' }, 'text'), h('option', { value: 'json' }, 'JSON (pretty)'), h('option', { value: 'hex' }, 'hex'));
  const state = h('span#live-state.badge.muted', 'not connected');
  const error = h('div');
  const list = h('ol#live-messages.live-list');
  const counter = h('span.hint', '0 messages');
  // The connection whose messages are shown, and the one replacing it before its token expires.
  let client = null;
  let successor = null;
  // Every connect and every stop starts a new generation; a connect or a renewal that finds the
  // generation moved on while it waited for its token was superseded (by a newer Subscribe, Stop or
  // leaving the page) and gives up, so no connection of an old generation stays open.
  let generation = 0;
  let received = 0;
  let retry;
  let renewal;
  const messages = [];

  function setState(text, kind) {
    state.textContent = text;
    state.className = `badge ${kind}`;
  }

  function end(connection) {
    if (!connection) return;
    connection.removeAllListeners();
    connection.on('error', () => {});
    connection.end(true);
  }

  function close() {
    generation++;
    clearTimeout(retry);
    clearTimeout(renewal);
    end(client);
    end(successor);
    client = null;
    successor = null;
  }

  async function connect() {
    close();
    const turn = generation;
    error.replaceChildren();
    const topicFilter = filter.value.trim();
    const problem = validateFilter(topicFilter);
    if (problem) {
      clear(error, errorBox(new Error(`Topic filter: ${problem}`)));
      return;
    }
    setState('connecting…', 'muted');
    let grant;
    try {
      grant = await api('/console/live-token', { method: 'POST', body: { topicFilter } });
    } catch (e) {
      if (turn !== generation) return;
      setState('not connected', 'bad');
      clear(error, errorBox(e));
      return;
    }
    if (turn !== generation) return;
    open(grant, topicFilter, turn, false);
  }

  /** A second connection on a new token, before the current one's expires; failures leave the current one. */
  async function renew(topicFilter, turn) {
    let grant;
    try {
      grant = await api('/console/live-token', { method: 'POST', body: { topicFilter } });
    } catch (e) {
      return;
    }
    if (turn === generation) open(grant, topicFilter, turn, true);
  }

  /**
   * Connects with {@code grant} and subscribes; the connection takes over once subscribed. A renewal
   * asks for no retained messages: the connection it replaces showed them already.
   */
  function open(grant, topicFilter, turn, renewing) {
    const url = `wss://${grant.host || location.hostname}:${grant.port}${grant.path}`;
    const next = mqtt.connect(url, {
      protocolVersion: 5, clientId: grant.clientId, username: grant.username, password: grant.token,
      clean: true, reconnectPeriod: 0, connectTimeout: 10000, keepalive: 30,
    });
    end(successor);
    successor = next;
    // close() removes these listeners, but an event already queued may still arrive: only the
    // shown connection's events count, and a successor's until it takes over.
    const isCurrent = () => client === next;
    next.on('connect', () => {
      if (turn !== generation || successor !== next) return;
      next.subscribe(topicFilter, { qos: 0, rh: renewing ? 2 : 0 }, (err, granted) => {
        if (turn !== generation || successor !== next) return;
        const refused = err || (granted || []).some((g) => g.qos >= 128 || g.reasonCode >= 128);
        if (refused) clear(error, errorBox(new Error(`The broker refused the subscription to ${topicFilter}.`)));
        const previous = client;
        client = next;
        successor = null;
        end(previous);
        setState(`connected · ${topicFilter} · token until ${time(grant.expiresAt)}`, 'ok');
        clearTimeout(renewal);
        renewal = setTimeout(() => renew(topicFilter, turn),
          Math.max(Date.parse(grant.expiresAt) - Date.now() - RENEW_BEFORE_MS, 1000));
      });
    });
    next.on('message', (topic, payload, packet) => {
      if (!isCurrent()) return;
      received++;
      counter.textContent = `${received} messages`;
      messages.unshift({ at: new Date().toISOString(), topic, payload, retain: packet.retain, qos: packet.qos });
      if (messages.length > MAX_SHOWN) messages.pop();
      list.prepend(item(messages[0]));
      while (list.children.length > MAX_SHOWN) list.lastChild.remove();
    });
    next.on('error', (e) => {
      if (!isCurrent() && successor !== next) return;
      clear(error, errorBox(new Error(`MQTT: ${e.message}`)));
    });
    next.on('close', () => {
      if (successor === next) {
        successor = null; // a renewal that did not connect: the current connection stays
        if (client) return;
      } else if (!isCurrent()) {
        return;
      }
      client = null;
      clearTimeout(renewal);
      setState('reconnecting…', 'warn');
      if (!error.children.length) {
        clear(error, errorBox(new Error(`The connection to ${url} closed. If the browser does not trust the broker's certificate, `
          + `open https://${grant.host || location.hostname}:${grant.port}/ once and accept it, or configure a trusted certificate (see the README).`)));
      }
      retry = setTimeout(connect, RECONNECT_MS);
    });
  }

  function item(m) {
    return h('li', h('div.live-meta', h('time', time(m.at)), h('code.topic', deviceText(m.topic)), `QoS ${m.qos}${m.retain ? ' · retained' : ''}`),
      payloadView(m.payload, mode.value));
  }

  mode.addEventListener('change', () => clear(list, messages.map(item)));
  main.append(h('h1', 'Live'),
    h('p.hint', 'Messages as the broker routes them, over MQTT over secure WebSocket, with a short-lived subscribe-only token.'),
    h('form.panel.toolbar', { onsubmit: (e) => { e.preventDefault(); received = 0; messages.length = 0; list.replaceChildren(); connect(); } },
      h('label.inline', 'Topic filter ', filter), h('button#live-subscribe', { type: 'submit' }, 'Subscribe'),
      h('button.secondary#live-stop', { type: 'button', onclick: () => { close(); setState('not connected', 'muted'); } }, 'Stop'),
      h('label.inline', 'Payload as ', mode), state, counter),
    error, list);
  return close;
}
