// Payloads arrive base64-encoded from the API and as bytes over MQTT; shown as text, pretty JSON or hex.

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
