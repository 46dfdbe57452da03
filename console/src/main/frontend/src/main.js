// The console's shell: sign-in, navigation and a hash router. Each page is a function
// (container, context) -> optional cleanup, called when the route changes.
import './styles.css';
import { api, hasCredentials, setUnauthorizedHandler, signIn, signOut } from './api.js';
import { clear, errorBox, h } from './ui.js';
import { overviewPage } from './pages/overview.js';
import { devicesPage, devicePage } from './pages/devices.js';
import { sessionsPage } from './pages/sessions.js';
import { messagesPage } from './pages/messages.js';

const ROUTES = [
  { path: /^overview$/, nav: 'overview', page: overviewPage, title: 'Overview' },
  { path: /^devices$/, nav: 'devices', page: devicesPage, title: 'Devices' },
  { path: /^devices\/(.+)$/, nav: 'devices', page: devicePage, title: 'Device' },
  { path: /^sessions$/, nav: 'sessions', page: sessionsPage, title: 'Sessions' },
  { path: /^messages$/, nav: 'messages', page: messagesPage, title: 'Messages' },
  // The MQTT client is loaded only when the live view opens.
  { path: /^live$/, nav: 'live', page: (el, ctx) => import('./pages/live.js').then((m) => m.livePage(el, ctx)), title: 'Live' },
];

const app = document.getElementById('app');
let operator = null;
let cleanup = null;

setUnauthorizedHandler(() => {
  signOut();
  operator = null;
  showSignIn('Your credentials were not accepted. Please sign in again.');
});

function showSignIn(message) {
  if (cleanup) cleanup();
  cleanup = null;
  const error = h('div');
  if (message) error.append(errorBox(new Error(message)));
  const token = h('input#token', { type: 'password', autocomplete: 'current-password', placeholder: 'API token' });
  const user = h('input#username', { autocomplete: 'username', placeholder: 'user name' });
  const password = h('input#password', { type: 'password', autocomplete: 'current-password', placeholder: 'password' });
  let mode = 'token';
  const tokenFields = h('div.fields', h('label', { for: 'token' }, 'API token'), token,
    h('p.hint', 'With no API clients configured, the bridge generated an admin token into data/api-admin-token.'));
  const userFields = h('div.fields.hidden', h('label', { for: 'username' }, 'User name'), user,
    h('label', { for: 'password' }, 'Password'), password);
  const switchMode = (next) => {
    mode = next;
    tokenFields.classList.toggle('hidden', mode !== 'token');
    userFields.classList.toggle('hidden', mode !== 'user');
    tabs.querySelectorAll('button').forEach((b) => b.classList.toggle('active', b.dataset.mode === mode));
  };
  const tabs = h('div.tabs',
    h('button.active', { type: 'button', dataset: { mode: 'token' }, onclick: () => switchMode('token') }, 'API token'),
    h('button', { type: 'button', dataset: { mode: 'user' }, onclick: () => switchMode('user') }, 'API user'));
  const form = h('form.signin', {
    onsubmit: async (event) => {
      event.preventDefault();
      signIn(mode === 'token' ? { token: token.value.trim() } : { user: user.value.trim(), password: password.value });
      try {
        operator = await api('/console/me');
        showSignedIn();
      } catch (e) {
        signOut();
        clear(error, errorBox(e));
      }
    },
  },
  h('h1', 'MQTT Kafka bridge'), h('p.hint', 'Operator console. Sign in with an API token or an API user.'),
  tabs, tokenFields, userFields, error, h('button#signin', { type: 'submit' }, 'Sign in'));
  clear(app, h('main.signin-page', form));
  token.focus();
}

// Setting a different hash renders through the hashchange event; rendering here as well would
// build the page twice and could lose the first one's cleanup.
function showSignedIn() {
  const target = location.hash && location.hash !== '#/' ? location.hash : '#/overview';
  if (location.hash === target) render();
  else location.hash = target;
}

/** A route's parameters, decoded; null when the address is not valid percent-encoding. */
function routeParams(hash, route) {
  try {
    return (hash.match(route.path) || []).slice(1).map(decodeURIComponent);
  } catch (e) {
    if (e instanceof URIError) return null;
    throw e;
  }
}

function shell(route) {
  const readOnly = operator.role !== 'ADMIN';
  const nav = h('nav.sidebar',
    h('div.brand', h('strong', 'MQTT Kafka bridge'), h('span', 'console')),
    ROUTES.filter((r) => !r.path.source.includes('(')).map((r) => h('a', {
      href: `#/${r.nav}`, class: route.nav === r.nav ? 'active' : '', id: `nav-${r.nav}`,
    }, r.title)),
    h('div.who',
      h('span', operator.name), h('span.badge', readOnly ? 'read-only' : 'admin'),
      h('button.link#signout', { type: 'button', onclick: () => { signOut(); operator = null; showSignIn(); } }, 'Sign out')));
  const main = h('main.content');
  clear(app, h('div.layout', nav, h('div.page', h('div#notice'), main)));
  return main;
}

// Each render takes a turn; a render overtaken by a newer one while its page was loading cleans
// that page up at once instead of leaving its timers running.
let renderTurn = 0;

async function render() {
  const turn = ++renderTurn;
  if (cleanup) cleanup();
  cleanup = null;
  if (!hasCredentials()) {
    showSignIn();
    return;
  }
  if (!operator) {
    try {
      operator = await api('/console/me');
    } catch (e) {
      if (hasCredentials()) showSignIn(e.message);
      return;
    }
  }
  const hash = location.hash.replace(/^#\/?/, '') || 'overview';
  const route = ROUTES.find((r) => r.path.test(hash)) || ROUTES[0];
  const params = routeParams(hash, route);
  const main = shell(route);
  document.title = `${route.title} · MQTT Kafka bridge`;
  if (params === null) {
    main.append(h('h1', 'Not a valid address'),
      errorBox(new Error(`#/${hash} is not a valid address: it is not correctly percent-encoded.`)));
    return;
  }
  const context = { operator, readOnly: operator.role !== 'ADMIN', params };
  try {
    const result = await route.page(main, context);
    const pageCleanup = typeof result === 'function' ? result : null;
    if (turn === renderTurn) cleanup = pageCleanup;
    else if (pageCleanup) pageCleanup();
  } catch (e) {
    main.append(errorBox(e));
  }
}

window.addEventListener('hashchange', render);
render();
