// Small DOM helpers: element building, formatting, notices and confirmation.

/** h('div.card#id', {onclick, ...attrs}, ...children): an element; strings become text nodes. */
export function h(spec, attrs, ...children) {
  if (attrs === null || typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs)) {
    if (attrs !== undefined && attrs !== null) children.unshift(attrs);
    attrs = {};
  }
  const [, tag = 'div', rest = ''] = spec.match(/^([a-z0-9]*)(.*)$/i);
  const el = document.createElement(tag || 'div');
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key in el && key !== 'list' && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Bidi controls, zero-width characters and the BOM: invisible, and able to reorder or hide what
// surrounds them (a client id rtl\u202Egpj.exe reads as "rtlexe.jpg").
const FORMAT_CHARACTERS = /[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;

/** A format character as its visible, marked escape, e.g. \u202E. */
function formatCharacter(c) {
  const code = c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
  return h('span.format-char', { title: `invisible format character U+${code}` }, `\\u${code}`);
}

/**
 * Text that devices control (ids, topics, client ids, user names) for display: isolated in a <bdi>
 * so that its direction cannot flip the text around it, with format characters shown as escapes.
 * Only for display: what goes to the API is the value itself.
 */
export function deviceText(value) {
  const text = String(value ?? '');
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(FORMAT_CHARACTERS)) {
    parts.push(text.slice(last, match.index), formatCharacter(match[0]));
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return h('bdi.device-text', parts.filter((p) => p !== ''));
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function time(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function ago(iso) {
  if (!iso) return '—';
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

export function number(value, digits = 0) {
  return Number(value || 0).toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function bytes(value) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = Number(value || 0);
  let unit = 0;
  while (v >= 1024 && unit < units.length - 1) {
    v /= 1024;
    unit++;
  }
  return `${number(v, unit ? 1 : 0)} ${units[unit]}`;
}

/** A readable error (the API's problem detail) in place of or above a page's content. */
export function errorBox(error) {
  return h('div.error', { role: 'alert' }, error.message || String(error));
}

let noticeTimer;
export function notice(text, kind = 'ok') {
  const el = document.getElementById('notice');
  if (!el) return;
  clear(el, h(`div.notice.${kind}`, { role: 'status' }, text));
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => el.replaceChildren(), 6000);
}

/** Runs an action, showing its error (or a success text) as a notice; returns its result. */
export async function attempt(action, successText) {
  try {
    const result = await action();
    if (successText) notice(successText, 'ok');
    return result;
  } catch (e) {
    notice(e.message, 'error');
    return undefined;
  }
}

/** A modal dialog; resolves with true when confirmed. */
export function confirmDialog(title, text, confirmLabel = 'Confirm') {
  return new Promise((resolve) => {
    const dialog = h('dialog.modal',
      h('h3', title), h('p', text),
      h('div.actions',
        h('button.secondary', { type: 'button', onclick: () => dialog.close('cancel') }, 'Cancel'),
        h('button.danger', { type: 'button', onclick: () => dialog.close('ok') }, confirmLabel)));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'ok');
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A dialog that shows a secret exactly once, with a copy button. */
export function secretDialog(title, text, secret) {
  const dialog = h('dialog.modal',
    h('h3', title), h('p', text),
    h('pre.secret', { 'data-testid': 'secret' }, secret),
    h('div.actions',
      h('button.secondary', { type: 'button', onclick: () => navigator.clipboard?.writeText(secret).then(() => notice('Copied')) }, 'Copy'),
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Done')));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

export function table(columns, rows, { empty = 'Nothing here.', rowAttrs } = {}) {
  if (!rows.length) return h('p.empty', empty);
  return h('div.table-wrap', h('table',
    h('thead', h('tr', columns.map((c) => h('th', c.label)))),
    h('tbody', rows.map((row) => h('tr', rowAttrs ? rowAttrs(row) : {},
      columns.map((c) => h('td', { dataset: { label: c.label } }, c.render(row))))))));
}

export function badge(text, kind) {
  return h(`span.badge.${kind}`, text);
}

export function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
