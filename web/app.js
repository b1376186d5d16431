// The Birthdays page. An ES module without dependencies; it only talks to
// its own origin (the API, /config.json) and to the Cognito endpoint that
// /config.json names. All text reaches the DOM through textContent, never
// as HTML.

const PAGE_SIZE = 10;
const TIME_REFRESH_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;
const STORAGE_KEY = 'birthdays.session';

const $ = (id) => document.getElementById(id);
const el = {
  status: $('status'),
  signInSection: $('sign-in-section'),
  signInForm: $('sign-in-form'),
  username: $('username'),
  password: $('password'),
  passwordField: $('password-field'),
  openHint: $('open-hint'),
  signIn: $('sign-in'),
  whoLine: $('who-line'),
  who: $('who'),
  signOut: $('sign-out'),
  me: $('me'),
  dobForm: $('dob-form'),
  dob: $('dob'),
  save: $('save'),
  greeting: $('greeting'),
  record: $('record'),
  deleteForm: $('delete-form'),
  deleteConfirm: $('delete-confirm'),
  users: $('users'),
  usersTable: $('users-table'),
  usersCaption: $('users-caption'),
  firstPage: $('first-page'),
  nextPage: $('next-page'),
  serverTime: $('server-time'),
};

/** What /config.json says: "cognito" (with identity) or "open". */
let config = null;
/**
 * Who is signed in: { username, token, admin }. In cognito mode a session
 * whose token the API refused keeps its username (and the data on screen)
 * with token null until the person signs in again.
 */
let session = null;
/** Bumped on every sign-in and sign-out so late answers for the old session are dropped. */
let generation = 0;
/** The users table: the current page's cursor (null: first page), the next one, the page number. */
const usersPage = { cursor: null, next: null, number: 0, seq: 0 };

// ---------------------------------------------------------------- messages

function say(text) {
  el.status.classList.remove('error');
  el.status.textContent = text;
}

function fail(text) {
  el.status.classList.add('error');
  el.status.textContent = `Error: ${text}`;
}

// ---------------------------------------------------------------- requests

/** A refused or failed request; `source` is "api" or "identity". */
class RequestError extends Error {
  constructor(source, status, message) {
    super(message);
    this.source = source;
    this.status = status;
  }
}

function timeoutSignal() {
  return typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(REQUEST_TIMEOUT_MS) : undefined;
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** Calls the API on this origin; resolves to the JSON answer (null for 204). */
async function api(method, path, { body, auth = true } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (auth && session?.token) headers.authorization = `Bearer ${session.token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      signal: timeoutSignal(),
    });
  } catch {
    throw new RequestError('api', 0, 'The API did not answer; check your connection and try again.');
  }
  if (response.status === 204) return null;
  const data = await readJson(response);
  if (response.ok && data !== null) return data;
  // The API words every error as {"message"}; show it unchanged.
  const message = typeof data?.message === 'string'
    ? data.message
    : `The API answered ${response.status} ${response.statusText}`.trim();
  throw new RequestError('api', response.status, message);
}

/** USER_PASSWORD_AUTH against the user pool; resolves to the access token. */
async function initiateAuth(username, password) {
  const { endpoint, clientId } = config.identity;
  let response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
      cache: 'no-store',
      credentials: 'omit',
      signal: timeoutSignal(),
    });
  } catch {
    throw new RequestError('identity', 0, 'The sign-in service did not answer; check your connection and try again.');
  }
  const data = await readJson(response);
  if (!response.ok) {
    const type = typeof data?.__type === 'string' ? data.__type.split('#').pop() : '';
    const message = data?.message ?? data?.Message ?? (type || `The sign-in service answered ${response.status}`);
    throw new RequestError('identity', response.status, String(message));
  }
  const token = data?.AuthenticationResult?.AccessToken;
  if (typeof token === 'string' && token) return token; // pragma: allowlist secret
  throw new RequestError('identity', response.status, data?.ChallengeName
    ? `This account needs a further sign-in step (${data.ChallengeName}) that this page does not offer; ask an administrator.`
    : 'The sign-in service sent no access token.');
}

/** The JWT's payload, only to show who is signed in; the API checks the token. */
function claimsOf(token) {
  const part = token.split('.')[1] ?? '';
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  // UTF-8: usernames may be any Unicode letters.
  const claims = JSON.parse(new TextDecoder().decode(bytes));
  if (claims === null || typeof claims !== 'object') throw new Error('not a JWT payload');
  return claims;
}

function sessionFromToken(token, typedUsername) {
  const claims = claimsOf(token);
  const groups = Array.isArray(claims['cognito:groups']) ? claims['cognito:groups'] : [];
  return {
    username: typeof claims.username === 'string' && claims.username ? claims.username : typedUsername,
    token,
    admin: groups.includes('admins'),
    expires: typeof claims.exp === 'number' ? claims.exp * 1000 : Infinity,
  };
}

/** Reports a refused request. The API's 401 means the token is gone or stale. */
function report(error) {
  if (error instanceof RequestError && error.source === 'api' && error.status === 401) {
    const end = /[.!?]$/.test(error.message) ? '' : '.';
    needSignIn(`${error.message}${end} Please sign in again; what you entered is kept.`);
    return;
  }
  fail(error instanceof RequestError ? error.message : `Something went wrong: ${error?.message ?? error}`);
}

// ---------------------------------------------------------------- session

function store() {
  try {
    if (!session) sessionStorage.removeItem(STORAGE_KEY);
    else if (config.auth === 'open') sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ auth: 'open', username: session.username }));
    else if (session.token) sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ auth: 'cognito', token: session.token }));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage may be unavailable (private mode); the session then lasts until reload.
  }
}

function restore() {
  let saved;
  try {
    saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
  } catch {
    return null;
  }
  if (!saved || saved.auth !== config.auth) return null;
  if (config.auth === 'open') {
    return typeof saved.username === 'string' && saved.username
      ? { username: saved.username, token: null, admin: true }
      : null;
  }
  try {
    const restored = sessionFromToken(saved.token, '');
    if (!restored.username) return null;
    if (restored.expires <= Date.now()) {
      el.username.value = restored.username;
      say('Your session has expired. Please sign in again.');
      return null;
    }
    return restored;
  } catch {
    return null;
  }
}

/** True when requests can be made as the session's user. */
function active() {
  return Boolean(session && (config.auth === 'open' || session.token));
}

/** The token was refused: ask to sign in again, keeping the form values and the data shown. */
function needSignIn(message) {
  if (session) session.token = null;
  store();
  render();
  if (session && !el.username.value) el.username.value = session.username;
  fail(message);
}

function render() {
  const signedIn = Boolean(session);
  el.signInSection.hidden = active();
  el.whoLine.hidden = !signedIn;
  el.who.textContent = signedIn ? session.username : '';
  el.me.hidden = !signedIn;
  el.users.hidden = !(signedIn && session.admin);
}

/** Forgets what the previous user's screen showed. */
function clearShown() {
  el.dob.value = '';
  el.deleteConfirm.value = '';
  el.greeting.textContent = '';
  el.record.replaceChildren();
  usersPage.seq += 1;
  Object.assign(usersPage, { cursor: null, next: null, number: 0 });
  el.usersTable.tBodies[0].replaceChildren();
  el.usersCaption.textContent = 'No users loaded.';
  updatePager();
}

// ---------------------------------------------------------------- my birthday

/**
 * The greeting and the record of `username`, without touching the page.
 * 404 means nothing is stored yet: that is an answer, not an error.
 */
async function fetchMine(username) {
  const name = encodeURIComponent(username);
  const [greeting, record] = await Promise.allSettled([
    api('GET', `/hello/${name}`, { auth: false }),
    api('GET', `/users/${name}`),
  ]);
  const missing = (r) => r.status === 'rejected' && r.reason?.status === 404;
  const error = [record, greeting].find((r) => r.status === 'rejected' && !missing(r))?.reason ?? null;
  return {
    greeting: greeting.status === 'fulfilled' ? greeting.value.message : missing(greeting) ? '' : undefined,
    record: record.status === 'fulfilled' ? record.value : missing(record) ? null : undefined,
    error,
  };
}

/** Shows what fetchMine found; `undefined` parts (refused) leave the screen as it was. */
function showMine({ greeting, record }) {
  if (greeting !== undefined) el.greeting.textContent = greeting ?? '';
  if (record === undefined) return;
  if (record === null) {
    const p = document.createElement('p');
    p.className = 'hint';
    p.textContent = 'No date of birth saved yet.';
    el.record.replaceChildren(p);
    return;
  }
  const dl = document.createElement('dl');
  dl.className = 'record';
  const rows = [
    ['Username', text(record.username)],
    ['Date of birth', dateCell(record.dateOfBirth)],
    ['Next birthday', dateCell(record.nextBirthday)],
    ['Days until birthday', text(days(record.daysUntilBirthday))],
    ['Created', timestampCell(record.createdAt)],
    ['Updated', timestampCell(record.updatedAt)],
  ];
  for (const [term, value] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.append(value);
    dl.append(dt, dd);
  }
  el.record.replaceChildren(dl);
  // Offer the stored date for editing, unless the person is typing one.
  if (!el.dob.value && typeof record.dateOfBirth === 'string') el.dob.value = record.dateOfBirth;
}

function text(value) {
  return document.createTextNode(value === undefined || value === null ? '' : String(value));
}

function days(n) {
  if (typeof n !== 'number') return '';
  return n === 0 ? '0 (today)' : `${n} ${n === 1 ? 'day' : 'days'}`;
}

/** A YYYY-MM-DD date, shown as is: unambiguous in every locale. */
function dateCell(value) {
  const time = document.createElement('time');
  time.dateTime = String(value ?? '');
  time.textContent = String(value ?? '');
  return time;
}

const stampFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A date-time, shown in the browser's own zone. */
function timestampCell(value) {
  const time = document.createElement('time');
  time.dateTime = String(value ?? '');
  const ms = Date.parse(value);
  time.textContent = Number.isNaN(ms) ? String(value ?? '') : stampFormat.format(ms);
  return time;
}

// ---------------------------------------------------------------- users (admins)

async function loadUsers(cursor, number) {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) params.set('cursor', cursor);
  const seq = ++usersPage.seq;
  el.users.setAttribute('aria-busy', 'true');
  try {
    const page = await api('GET', `/users?${params}`);
    if (seq !== usersPage.seq) return false;
    Object.assign(usersPage, { cursor, next: page.next ?? null, number });
    showUsers(Array.isArray(page.users) ? page.users : []);
    return true;
  } catch (error) {
    if (seq === usersPage.seq) report(error);
    return false;
  } finally {
    if (seq === usersPage.seq) {
      el.users.removeAttribute('aria-busy');
      updatePager();
    }
  }
}

function showUsers(users) {
  const rows = users.map((user) => {
    const tr = document.createElement('tr');
    const cells = [
      text(user.username),
      dateCell(user.dateOfBirth),
      dateCell(user.nextBirthday),
      text(user.daysUntilBirthday),
      timestampCell(user.createdAt),
      timestampCell(user.updatedAt),
    ];
    cells.forEach((content, i) => {
      const cell = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) cell.scope = 'row';
      cell.append(content);
      tr.append(cell);
    });
    return tr;
  });
  el.usersTable.tBodies[0].replaceChildren(...rows);
  const count = `${users.length} ${users.length === 1 ? 'user' : 'users'}`;
  el.usersCaption.textContent = `Page ${usersPage.number}: ${count}${usersPage.next ? '' : ' (last page)'}`;
}

function updatePager() {
  const focused = document.activeElement;
  el.firstPage.disabled = usersPage.number <= 1;
  el.nextPage.disabled = !usersPage.next;
  // A button that disables itself would drop keyboard focus to the body.
  if (focused?.disabled) {
    const other = [el.firstPage, el.nextPage].find((b) => !b.disabled);
    if (other) other.focus();
    else el.usersTable.parentElement.focus();
  }
}

function announceUsers(ok) {
  if (ok) say(el.usersCaption.textContent + '.');
}

// ---------------------------------------------------------------- server time

const browserZone = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
})();

/** The last answer of /time: its instant, when it was had (monotonic), and its zone. */
let clock = null;
let askZone = browserZone;
let timeLoading = false;
let timeFailing = false;
let lastTimeFetch = -Infinity;
let tickTimer = 0;
let timeParts = null;

async function loadTime() {
  if (timeLoading) return;
  timeLoading = true;
  lastTimeFetch = performance.now();
  try {
    let answer;
    let sent;
    for (;;) {
      const params = askZone ? `?${new URLSearchParams({ tz: askZone })}` : '';
      sent = performance.now();
      try {
        answer = await api('GET', `/time${params}`, { auth: false });
        break;
      } catch (error) {
        // A zone the server does not know: fall back to its own (UTC).
        if (error.status === 400 && askZone) askZone = null;
        else throw error;
      }
    }
    const received = performance.now();
    const ms = Date.parse(answer.time);
    clock = {
      // The answer was made about halfway through the round trip.
      ms: Number.isNaN(ms) ? answer.epochSeconds * 1000 : ms,
      at: (sent + received) / 2,
      zone: answer.timezone,
      format: formatterFor(answer.timezone),
    };
    if (timeFailing) {
      timeFailing = false;
      el.serverTime.classList.remove('stale');
    }
    tick();
  } catch (error) {
    // Announce a failing clock once, not every 30 s; keep ticking the last time.
    if (!timeFailing) {
      timeFailing = true;
      el.serverTime.classList.add('stale');
      if (!clock) el.serverTime.textContent = 'Unavailable.';
      fail(`Server time: ${error.message}`);
    }
  } finally {
    timeLoading = false;
  }
}

function formatterFor(zone) {
  const options = { dateStyle: 'full', timeStyle: 'medium' };
  try {
    return new Intl.DateTimeFormat(undefined, { ...options, timeZone: zone });
  } catch {
    return new Intl.DateTimeFormat(undefined, options);
  }
}

/** Shows the server's time advanced by the local monotonic clock; re-arms itself on the next second. */
function tick() {
  clearTimeout(tickTimer);
  if (!clock) return;
  const now = clock.ms + (performance.now() - clock.at);
  if (!timeParts) {
    const time = document.createElement('time');
    const zone = document.createElement('span');
    zone.className = 'zone';
    el.serverTime.replaceChildren(time, ' ', zone);
    timeParts = { time, zone };
  }
  const date = new Date(Math.floor(now / 1000) * 1000);
  timeParts.time.dateTime = date.toISOString();
  timeParts.time.textContent = clock.format.format(date);
  timeParts.zone.textContent = `(${clock.zone})`;
  tickTimer = setTimeout(tick, 1000 - (now % 1000) + 5);
}

function startClock() {
  loadTime();
  // Refresh while the page is visible; a hidden tab asks nothing.
  setInterval(() => {
    if (!document.hidden) loadTime();
  }, TIME_REFRESH_MS);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && performance.now() - lastTimeFetch >= TIME_REFRESH_MS) loadTime();
  });
}

// ---------------------------------------------------------------- actions

/** Runs one submission at a time per form; aria-busy tells assistive technology. */
function guarded(form, action) {
  let busy = false;
  return async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await action();
    } finally {
      busy = false;
      form.removeAttribute('aria-busy');
    }
  };
}

async function signIn() {
  if (!config) return fail('The page has no configuration yet; reload it.');
  const typed = el.username.value.trim();
  if (!typed) {
    el.username.focus();
    return fail('Enter your username.');
  }
  let next;
  let mine;
  if (config.auth === 'open') {
    // No password to check: the API says whether the username is valid.
    say('Signing in…');
    mine = await fetchMine(typed);
    if (mine.error?.status === 400) return report(mine.error);
    next = { username: typed, token: null, admin: true };
  } else {
    if (!el.password.value) {
      el.password.focus();
      return fail('Enter your password.');
    }
    say('Signing in…');
    try {
      next = sessionFromToken(await initiateAuth(typed, el.password.value), typed);
    } catch (error) {
      return report(error instanceof RequestError ? error : new RequestError('identity', 0, 'The sign-in service sent a token this page cannot read.'));
    }
  }
  const sameUser = session?.username === next.username;
  if (!sameUser) clearShown();
  session = next;
  generation += 1;
  const mySession = generation;
  store();
  el.password.value = '';
  render();
  el.dob.focus();
  if (!mine) mine = await fetchMine(session.username);
  if (mySession !== generation) return;
  showMine(mine);
  if (mine.error) report(mine.error);
  else say(`Signed in as ${session.username}.${mine.record === null ? ' No date of birth saved yet: enter yours below.' : ''}`);
  // Quietly: the status keeps the sign-in message unless the list is refused.
  if (session.admin) await loadUsers(sameUser ? usersPage.cursor : null, sameUser ? Math.max(usersPage.number, 1) : 1);
}

function signOut() {
  generation += 1;
  session = null;
  store();
  clearShown();
  el.password.value = '';
  render();
  say('Signed out.');
  el.username.focus();
}

async function save() {
  if (!active()) {
    el.username.focus();
    return fail('Please sign in again; what you entered is kept.');
  }
  const dateOfBirth = el.dob.value;
  if (!dateOfBirth) {
    el.dob.focus();
    return fail('Enter your full date of birth.');
  }
  const mySession = generation;
  const { username } = session;
  say('Saving…');
  try {
    await api('PUT', `/hello/${encodeURIComponent(username)}`, { body: { dateOfBirth } });
  } catch (error) {
    if (mySession === generation) report(error);
    return;
  }
  const mine = await fetchMine(username);
  if (mySession !== generation) return;
  showMine(mine);
  if (mine.error) report(mine.error);
  else say(`Saved your date of birth. ${mine.greeting ?? ''}`.trim());
  // An admin's own row may be on the page shown.
  if (session?.admin && usersPage.number > 0) await loadUsers(usersPage.cursor, usersPage.number);
}

/**
 * Erases the signed-in person's record. The confirmation is their username,
 * typed: no single click or key deletes anything.
 */
async function deleteMine() {
  if (!active()) {
    el.username.focus();
    return fail('Please sign in again; nothing was deleted.');
  }
  const { username } = session;
  if (el.deleteConfirm.value.trim() !== username) {
    el.deleteConfirm.focus();
    return fail(`Nothing was deleted: to delete your data, type your username (${username}) in the box first.`);
  }
  const mySession = generation;
  say('Deleting…');
  try {
    await api('DELETE', `/users/${encodeURIComponent(username)}`);
  } catch (error) {
    if (mySession !== generation) return;
    // Nothing stored is the outcome asked for.
    if (!(error instanceof RequestError && error.status === 404)) return report(error);
  }
  if (mySession !== generation) return;
  el.dob.value = '';
  el.deleteConfirm.value = '';
  showMine({ greeting: '', record: null });
  say(`Deleted your data: nothing is stored for ${username}.`);
  el.dob.focus();
  if (session?.admin && usersPage.number > 0) await loadUsers(usersPage.cursor, usersPage.number);
}

// ---------------------------------------------------------------- start

async function loadConfig() {
  try {
    const response = await fetch('/config.json', { cache: 'no-store', signal: timeoutSignal() });
    const data = await readJson(response);
    if (!response.ok || !data) throw new Error(`/config.json answered ${response.status}`);
    if (data.auth === 'cognito' && !(data.identity?.endpoint && data.identity?.clientId)) {
      throw new Error('/config.json names no identity endpoint or client');
    }
    if (data.auth !== 'cognito' && data.auth !== 'open') throw new Error(`unknown auth mode "${data.auth}"`);
    return data;
  } catch (error) {
    fail(`The page cannot load its configuration (${error.message}); reload to try again.`);
    return null;
  }
}

async function start() {
  el.signInForm.addEventListener('submit', guarded(el.signInForm, signIn));
  el.dobForm.addEventListener('submit', guarded(el.dobForm, save));
  el.deleteForm.addEventListener('submit', guarded(el.deleteForm, deleteMine));
  el.signOut.addEventListener('click', signOut);
  el.nextPage.addEventListener('click', async () => {
    if (usersPage.next) announceUsers(await loadUsers(usersPage.next, usersPage.number + 1));
  });
  el.firstPage.addEventListener('click', async () => {
    announceUsers(await loadUsers(null, 1));
  });
  startClock();

  el.signIn.disabled = true;
  config = await loadConfig();
  if (!config) return;
  el.signIn.disabled = false;
  const open = config.auth === 'open';
  el.openHint.hidden = !open;
  el.passwordField.hidden = open;
  el.password.disabled = open;

  session = restore();
  render();
  if (!session) return;
  const mySession = generation;
  const mine = await fetchMine(session.username);
  if (mySession !== generation) return;
  showMine(mine);
  if (mine.error) return report(mine.error);
  if (session.admin) await loadUsers(null, 1);
}

start();
