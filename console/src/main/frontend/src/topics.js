// MQTT topic filters checked as the broker checks them (io.mqttbridge.broker.spi.TopicFilters and
// AclRule): not empty, no U+0000, at most 65535 bytes in UTF-8, '#' only as the whole last level,
// '+' only as a whole level; in ACL rules %c and %u stand for one level each.

const MAX_UTF8_BYTES = 65535;

/** null when valid, else what is wrong, worded like the API's answer. */
export function validateFilter(filter) {
  if (!filter) return 'must not be empty';
  if (filter.includes('\u0000')) return 'must not contain U+0000';
  if (new TextEncoder().encode(filter).length > MAX_UTF8_BYTES) return 'longer than 65535 bytes in UTF-8';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return "'#' must be a whole level and the last one";
    if (level.includes('+') && level !== '+') return "'+' must be a whole level";
  }
  return null;
}

export function validateAclFilter(filter) {
  return validateFilter((filter || '').replaceAll('%c', 'x').replaceAll('%u', 'x'));
}

/** Whether a valid filter matches a topic name, with the $-topic rule of MQTT. */
export function matches(filter, topic) {
  const f = filter.split('/');
  const t = topic.split('/');
  if ((f[0] === '+' || f[0] === '#') && topic.startsWith('$')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
