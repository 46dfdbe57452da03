// Payloads arrive base64-encoded from the API and as bytes over MQTT; shown as text, pretty JSON or hex.
import { bytes as size, h, notice } from './ui.js';

// What a page shows of a payload until asked for all of it: sixty 200 KiB payloads in hex made
// ~46 MB of DOM text and froze the tab for seconds. Export and copy always take the whole payload.
export const TEXT_PREVIEW_CHARS = 4096;
export const HEX_PREVIEW_BYTES = 1024;

export function base64ToBytes(b64) {
  if (!b64) return new Uint8Array(0);
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function asText(bytes) {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

export function asJson(bytes) {
  try {
    return JSON.stringify(JSON.parse(asText(bytes)), null, 2);
  } catch {
    return '(not JSON) ' + asText(bytes);
  }
}

export function asHex(bytes) {
  const lines = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const chunk = bytes.slice(offset, offset + 16);
    const hex = Array.from(chunk, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(chunk, (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(6, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

export function render(bytes, mode) {
  if (mode === 'json') return asJson(bytes);
  if (mode === 'hex') return asHex(bytes);
  return asText(bytes);
}

/** The start of a payload as the mode shows it; complete is false when there is more. */
export function preview(bytes, mode) {
  if (mode === 'hex') {
    return { text: asHex(bytes.subarray(0, HEX_PREVIEW_BYTES)), complete: bytes.length <= HEX_PREVIEW_BYTES };
  }
  // A JSON document cut short is not JSON, so JSON is pretty-printed whole and then cut. Text needs
  // no more than 4 bytes of UTF-8 for each character shown.
  const wholeDecoded = mode === 'json' || bytes.length <= TEXT_PREVIEW_CHARS * 4;
  const decoded = mode === 'json' ? asJson(bytes) : asText(bytes.subarray(0, TEXT_PREVIEW_CHARS * 4));
  return { text: decoded.slice(0, TEXT_PREVIEW_CHARS), complete: wholeDecoded && decoded.length <= TEXT_PREVIEW_CHARS };
}

/** A payload for display: its preview and, when cut, its full size with Show all and Copy. */
export function payloadView(bytes, mode) {
  const { text, complete } = preview(bytes, mode);
  const pre = h('pre.payload', text);
  if (complete) return pre;
  const more = h('div.payload-more',
    mode === 'hex' ? `Showing the first ${size(HEX_PREVIEW_BYTES)} of ${size(bytes.length)}. `
      : `Showing the first ${TEXT_PREVIEW_CHARS} characters of ${size(bytes.length)}. `,
    h('button.link.show-all', { type: 'button', onclick: () => { pre.textContent = render(bytes, mode); more.remove(); } }, 'Show all'),
    ' · ',
    h('button.link', { type: 'button', onclick: () => copy(render(bytes, mode)) }, 'Copy all'));
  return h('div.payload-view', pre, more);
}

function copy(text) {
  navigator.clipboard?.writeText(text).then(() => notice('Copied'), (e) => notice(e.message, 'error'));
}
