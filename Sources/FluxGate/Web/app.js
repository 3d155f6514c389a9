// Flux web client: the screens and their wiring. State lives in store.js, the chat session in
// connection.js, gate calls in api.js. User content is only ever set with textContent.

import * as api from "./api.js";
import { Connection } from "./connection.js";
import { Store, displayName, newMsgid } from "./store.js";

const $ = (id) => document.getElementById(id);
const SESSION_KEY = "flux.session";
const PAGE = 30; // history page size
const MAX_BATCH = 50; // texts in one 1017
const MAX_BODY_BYTES = 8000; // the node refuses frames over chat.max_body_bytes (8192 by default)
const MAX_TEXT_CHARS = 4000;
const encoder = new TextEncoder();

const store = new Store();
let conn = null;
let active = null; // uid of the open conversation
let inflight = []; // 1017s awaiting their 1018, in the order sent: {peer, msgids}
let historyWaiting = []; // peers of 1101s awaiting their 1102
let acceptWaiting = []; // uids of 1013s awaiting their 1014
const backNames = new Map(); // uid → the name I chose for them when asking or accepting
let found = null; // the last search result
let logoutTimer = null;

// --- session storage: uid + token (+ node URL) so a reload reconnects without the password

function loadSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
    if (session && Number.isInteger(session.uid) && typeof session.token === "string" && typeof session.ws === "string") return session;
  } catch {
    // unreadable: log in again
  }
  return null;
}

function saveReadMarks() {
  const session = loadSession();
  if (session && store.me && session.uid === store.me.uid) saveSession({ ...session, read: store.readMarks() });
}

function saveSession(session) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

// --- small helpers

function show(element, text) {
  element.textContent = text || "";
  element.hidden = !text;
}

function setScreen(screen) {
  document.body.dataset.screen = screen;
  $("auth").hidden = screen !== "auth";
  $("app").hidden = screen !== "app";
}

function initials(person) {
  const name = displayName(person).trim();
  const letters = [...name].filter((c) => /[\p{L}\p{N}]/u.test(c));
  return (letters[0] || "?").toUpperCase();
}

function paintAvatar(element, person) {
  element.textContent = initials(person);
  element.className = `avatar tone-${Math.abs(Number(person && person.uid) || 0) % 8}`;
}

function formatTime(ms) {
  if (!ms) return "";
  const date = new Date(ms);
  const now = new Date();
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (date.toDateString() === now.toDateString()) return time;
  return `${date.toLocaleDateString([], { day: "numeric", month: "short" })}, ${time}`;
}

function isReading(peer) {
  return active === peer && document.visibilityState === "visible";
}

function send(id, body) {
  return Boolean(conn && conn.send(id, body));
}

// --- auth screen

function selectTab(which) {
  const login = which === "login";
  $("tab-login").setAttribute("aria-selected", String(login));
  $("tab-register").setAttribute("aria-selected", String(!login));
  $("login-form").hidden = !login;
  $("register-form").hidden = login;
  (login ? $("login-email") : $("reg-email")).focus();
}

function showAuth({ error = "", info = "" } = {}) {
  setScreen("auth");
  selectTab("login");
  show($("login-error"), error);
  show($("login-info"), info);
  $("login-password").value = "";
}

function busy(button, on, label) {
  if (on) {
    button.dataset.label = button.textContent;
    button.textContent = label;
  } else if (button.dataset.label) {
    button.textContent = button.dataset.label;
  }
  button.disabled = on;
}

async function requestCode() {
  const email = $("reg-email").value.trim();
  show($("reg-info"), "");
  if (!email.includes("@")) {
    show($("reg-error"), "Enter your e-mail address first.");
    return;
  }
  const button = $("reg-code-btn");
  busy(button, true, "Sending…");
  const answer = await api.requestCode(email);
  if (answer.error === 0) {
    show($("reg-error"), "");
    show($("reg-info"), `We sent a 6-digit code to ${email}. It is valid for 10 minutes.`);
    button.textContent = "Sent";
    setTimeout(() => busy(button, false), 30_000); // the gate refuses resends for a while anyway
    $("reg-code").focus();
  } else {
    busy(button, false);
    show($("reg-error"), api.errorText(answer.error));
  }
}

async function submitRegister(event) {
  event.preventDefault();
  const fields = {
    email: $("reg-email").value.trim(),
    varifycode: $("reg-code").value.trim(),
    user: $("reg-user").value.trim(),
    passwd: $("reg-password").value,
    confirm: $("reg-confirm").value,
  };
  show($("reg-info"), "");
  if (!fields.email || !fields.varifycode || !fields.user || !fields.passwd) {
    show($("reg-error"), "Please fill in every field.");
    return;
  }
  if (fields.passwd !== fields.confirm) {
    show($("reg-error"), api.errorText(1006));
    return;
  }
  const button = $("reg-submit");
  busy(button, true, "Creating…");
  const answer = await api.register(fields);
  if (answer.error !== 0) {
    busy(button, false);
    show($("reg-error"), api.errorText(answer.error));
    return;
  }
  show($("reg-error"), "");
  show($("reg-info"), "Account created. Logging you in…");
  const ok = await logIn(fields.email, fields.passwd, $("reg-error"));
  busy(button, false);
  if (ok) $("register-form").reset();
}

async function submitLogin(event) {
  event.preventDefault();
  const email = $("login-email").value.trim();
  const password = $("login-password").value;
  show($("login-info"), "");
  if (!email || !password) {
    show($("login-error"), "Enter your e-mail and password.");
    return;
  }
  const button = $("login-submit");
  busy(button, true, "Logging in…");
  await logIn(email, password, $("login-error"));
  busy(button, false);
}

async function logIn(email, password, errorElement) {
  const answer = await api.login(email, password);
  if (answer.error !== 0) {
    show(errorElement, api.errorText(answer.error));
    return false;
  }
  const ws = api.socketURL(answer);
  if (!ws) {
    show(errorElement, "This server offers no WebSocket connection for browsers.");
    return false;
  }
  show(errorElement, "");
  $("login-password").value = "";
  const session = { uid: answer.uid, token: answer.token, ws, email };
  saveSession(session);
  startSession(session);
  return true;
}

// --- the chat session

function startSession(session) {
  if (conn) conn.stop("closed");
  if (store.me && store.me.uid !== session.uid) resetView();
  setScreen("app");
  if (!store.me) $("me-name").textContent = session.email || "";
  conn = new Connection({ url: session.ws, uid: session.uid, token: session.token });
  conn.on("state", renderConnection);
  conn.on("message", handle);
  conn.on("moved", ({ url, token }) => saveSession({ ...(loadSession() || session), ws: url, token }));
  conn.on("auth-failed", (code) => {
    clearSession();
    resetView();
    showAuth({ error: `Your session has ended (error ${code}). Please log in again.` });
    $("login-email").value = session.email || "";
  });
  conn.start();
}

function resetView() {
  active = null;
  store.reset();
  document.body.classList.remove("conv-open");
  $("message-list").replaceChildren();
  clearSearch();
  $("me-name").textContent = "";
  render();
}

function logOut() {
  if (conn && conn.online && send(1115, {})) {
    $("logout-btn").disabled = true;
    logoutTimer = setTimeout(finishLogout, 2000); // 1116 normally comes at once
  } else {
    finishLogout();
  }
}

function finishLogout() {
  clearTimeout(logoutTimer);
  $("logout-btn").disabled = false;
  if (conn) conn.stop("logout");
  conn = null;
  clearSession();
  resetView();
  hideBanner();
  showAuth({ info: "You are logged out." });
}

/// Every message the node sends, after its id.
function handle(id, body) {
  switch (id) {
    case 1006:
      if (body.error === 0) loggedIn(body);
      else showBanner(api.errorText(body.error));
      break;
    case 1008:
      searchAnswer(body);
      break;
    case 1010:
      show($("search-status"), body.error === 0 ? "Request sent. They appear among your friends once they accept." : api.errorText(body.error));
      $("search-add").disabled = body.error === 0;
      break;
    case 1011:
      store.addRequest({ uid: body.applyuid, name: body.name, nick: body.nick, desc: body.desc, icon: body.icon, sex: body.sex });
      break;
    case 1014: {
      const uid = acceptWaiting.shift();
      if (body.error === 0) {
        befriended({ uid: body.uid, name: body.name, nick: body.nick, icon: body.icon, sex: body.sex, back: backNames.get(body.uid) || "" });
      } else {
        if (body.error === 1019 && uid != null) store.removeRequest(uid);
        showBanner(api.errorText(body.error), 6000);
        renderRequests();
      }
      break;
    }
    case 1015:
      // the applicant learns that `fromuid` accepted; they are online, having just accepted
      befriended({ uid: body.fromuid, name: body.name, nick: body.nick, icon: body.icon, sex: body.sex, back: backNames.get(body.fromuid) || "", online: true });
      break;
    case 1018:
      textsStored(body);
      break;
    case 1019:
      store.addIncoming(body, isReading(body.fromuid));
      scheduleReceipts(body.fromuid);
      break;
    case 1021:
      showBanner("You logged in from another window or device, so this one was disconnected.", 0, "Use here", () => {
        hideBanner();
        const session = loadSession();
        if (session) startSession(session);
      });
      break;
    case 1102:
      historyPage(body);
      break;
    case 1103:
      $("conn-status").dataset.backlog = String(body.count);
      flushReceipts();
      break;
    case 1106:
      if (body.error !== 0) console.warn("flux: receipt refused", body);
      break;
    case 1107:
      store.applyReceipt(body.fromuid, body.seq, body.kind);
      break;
    case 1110:
      if (body.error === 0) {
        store.setMe(body);
        show($("profile-status"), "Saved.");
      } else {
        show($("profile-status"), api.errorText(body.error));
      }
      $("profile-save").disabled = false;
      break;
    case 1111:
      store.updateFriend(body);
      break;
    case 1113:
      store.setOnline(body.uid, body.online);
      break;
    case 1116:
      finishLogout();
      break;
    case 1117:
      console.warn("flux: the server could not handle a frame", body);
      break;
    case 1119:
      if (body.error !== 0) showBanner("This server is shutting down. You will be reconnected shortly.", 8000);
      break;
    default:
      break;
  }
}

function loggedIn(body) {
  inflight = [];
  historyWaiting = [];
  acceptWaiting = [];
  store.login(body);
  const session = loadSession();
  if (session && session.uid === body.uid) store.seedReadMarks(session.read);
  hideBanner();
  // unacknowledged texts go again; the same msgid is stored once
  for (const { peer, texts } of store.unsent()) transmit(peer, texts);
  for (const conv of store.conversations.values()) {
    conv.loadingOlder = false;
    if (conv.peer === active) requestHistory(conv.peer, null);
    else conv.historyRequested = false;
  }
  render();
}

// --- texts

function bodyBytes(peer, texts) {
  return encoder.encode(JSON.stringify({ fromuid: store.me.uid, touid: peer, text_array: texts })).length;
}

/// Sends texts in 1017s that respect the batch and frame limits.
function transmit(peer, messages) {
  if (!conn || !conn.online) return; // they stay "sending" and go after the next login
  let batch = [];
  const flush = () => {
    if (!batch.length) return;
    if (send(1017, { fromuid: store.me.uid, touid: peer, text_array: batch })) inflight.push({ peer, msgids: batch.map((t) => t.msgid) });
    batch = [];
  };
  for (const m of messages) {
    const text = { msgid: m.msgid, content: m.content };
    if (batch.length === MAX_BATCH || (batch.length && bodyBytes(peer, [...batch, text]) > MAX_BODY_BYTES)) flush();
    batch.push(text);
  }
  flush();
}

function submitText(event) {
  event.preventDefault();
  const input = $("composer-input");
  const content = input.value.replace(/\s+$/u, "");
  if (!content.trim() || active == null) return;
  if ([...content].length > MAX_TEXT_CHARS || bodyBytes(active, [{ msgid: newMsgid(), content }]) > MAX_BODY_BYTES) {
    show($("composer-error"), "That message is too long. Please split it up.");
    return;
  }
  show($("composer-error"), "");
  const entry = store.addOutgoing(active, newMsgid(), content);
  input.value = "";
  stickToBottom = true;
  transmit(active, [entry]);
}

function textsStored(body) {
  if (body.error === 0) {
    const items = body.text_array || [];
    const ids = new Set(items.map((t) => t.msgid));
    const index = inflight.findIndex((b) => b.msgids.some((m) => ids.has(m)));
    const batch = index >= 0 ? inflight.splice(index, 1)[0] : null;
    const peer = body.touid ?? (batch && batch.peer);
    if (peer != null) store.ackOutgoing(peer, items);
  } else {
    // an error answer carries only `error`; answers come in the order the 1017s were sent
    const batch = inflight.shift();
    if (batch) store.failOutgoing(batch.peer, batch.msgids, body.error);
    show($("composer-error"), api.errorText(body.error));
  }
}

function retry(msgid) {
  if (active == null) return;
  const entry = store.retryOutgoing(active, msgid);
  if (entry) transmit(active, [entry]);
}

// --- receipts

const receiptPeers = new Set();
let receiptTimer = null;

function scheduleReceipts(peer) {
  receiptPeers.add(peer);
  if (!receiptTimer) receiptTimer = setTimeout(flushReceipts, 250);
}

function flushReceipts() {
  clearTimeout(receiptTimer);
  receiptTimer = null;
  if (!conn || !conn.online) return; // kept for after the next login
  for (const peer of receiptPeers) {
    for (const receipt of store.receiptsDue(peer, isReading(peer))) send(1105, receipt);
  }
  receiptPeers.clear();
  saveReadMarks();
}

// --- history

let keepOffset = null; // distance from the bottom to keep while older messages are put above

function requestHistory(peer, before) {
  const conv = store.conversation(peer);
  if (!conn || !conn.online || conv.loadingOlder) return;
  const body = before == null ? { peer, limit: PAGE } : { peer, before, limit: PAGE };
  if (send(1101, body)) {
    conv.historyRequested = true;
    conv.loadingOlder = true;
    historyWaiting.push(peer);
    renderConversation();
  }
}

function loadOlder() {
  if (active == null || !store.hasOlder(active)) return;
  const box = $("messages");
  keepOffset = box.scrollHeight - box.scrollTop;
  requestHistory(active, store.oldestSeq(active));
  if (!store.conversation(active).loadingOlder) keepOffset = null;
}

function historyPage(body) {
  let peer = body.peer;
  const index = historyWaiting.indexOf(peer);
  if (index >= 0) historyWaiting.splice(index, 1);
  else peer = historyWaiting.shift();
  if (peer == null) return;
  if (body.error !== 0) {
    store.conversation(peer).loadingOlder = false;
    show($("composer-error"), api.errorText(body.error));
    renderConversation();
    return;
  }
  store.addHistory(peer, body.messages || [], body);
  scheduleReceipts(peer);
}

// --- friends, requests, search, profile

function openConversation(uid) {
  if (active !== uid) {
    active = uid;
    $("message-list").replaceChildren();
    show($("composer-error"), "");
    stickToBottom = true;
  }
  document.body.classList.add("conv-open");
  const conv = store.conversation(uid);
  if (!conv.historyRequested) requestHistory(uid, null);
  store.clearUnread(uid);
  scheduleReceipts(uid);
  render();
  if (window.matchMedia("(min-width: 720px)").matches) $("composer-input").focus();
}

function closeConversation() {
  active = null;
  document.body.classList.remove("conv-open");
  render();
}

function accept(uid) {
  const request = store.requests.get(uid);
  if (!request) return;
  const back = request.nick || request.name || "";
  backNames.set(uid, back);
  if (send(1013, { fromuid: store.me.uid, touid: uid, back })) acceptWaiting.push(uid);
}

function submitSearch(event) {
  event.preventDefault();
  const query = $("search-input").value.trim();
  if (!query) return;
  found = null;
  $("search-result").hidden = false;
  $("search-add").hidden = true;
  $("search-name").textContent = "";
  $("search-desc").textContent = "";
  $("search-avatar").hidden = true;
  if (!send(1007, { uid: query })) show($("search-status"), "Not connected. Try again in a moment.");
  else show($("search-status"), "Searching…");
}

function clearSearch() {
  found = null;
  $("search-result").hidden = true;
  $("search-input").value = "";
}

/// A new friend: the search card that found them has done its job.
function befriended(friend) {
  store.addFriend(friend);
  if (found && found.uid === friend.uid) clearSearch();
}

function searchAnswer(body) {
  if (body.error !== 0) {
    found = null;
    show($("search-status"), body.error === 1011 ? "No one has that name or id." : api.errorText(body.error));
    return;
  }
  found = body;
  paintAvatar($("search-avatar"), body);
  $("search-avatar").hidden = false;
  $("search-name").textContent = body.nick && body.nick !== body.name ? `${body.nick} (${body.name})` : body.name;
  $("search-desc").textContent = body.desc || `id ${body.uid}`;
  const self = store.me && body.uid === store.me.uid;
  const friend = store.friends.has(body.uid);
  $("search-add").hidden = self || friend;
  $("search-add").disabled = false;
  show($("search-status"), self ? "This is you." : friend ? "Already your friend." : "");
}

function addFound() {
  if (!found || !store.me) return;
  const back = found.nick || found.name;
  backNames.set(found.uid, back);
  if (send(1009, { uid: store.me.uid, applyname: store.me.name, bakname: back, touid: found.uid })) {
    $("search-add").disabled = true;
    show($("search-status"), "Sending request…");
  }
}

function openProfile() {
  if (!store.me) return;
  $("profile-name").textContent = store.me.name || "";
  $("profile-uid").textContent = String(store.me.uid);
  $("profile-nick").value = store.me.nick || store.me.name || "";
  $("profile-desc").value = store.me.desc || "";
  $("profile-sex").value = String(store.me.sex || 0);
  show($("profile-status"), "");
  $("profile-dialog").showModal();
}

function saveProfile(event) {
  event.preventDefault();
  const nick = $("profile-nick").value.trim();
  const desc = $("profile-desc").value.trim();
  if ([...nick].length < 1 || [...nick].length > 64) {
    show($("profile-status"), "The nickname needs 1 to 64 characters.");
    return;
  }
  if (send(1109, { nick, desc, sex: Number($("profile-sex").value) })) {
    $("profile-save").disabled = true;
    show($("profile-status"), "Saving…");
  } else {
    show($("profile-status"), "Not connected. Try again in a moment.");
  }
}

// --- connection status and banner

let countdown = null;

function renderConnection(state, detail = {}) {
  const element = $("conn-status");
  element.dataset.state = state;
  if (state !== "online") delete element.dataset.backlog;
  $("composer-input").disabled = $("composer-send").disabled = state === "stopped";
  clearInterval(countdown);
  countdown = null;
  if (state === "connecting") element.textContent = detail.attempt ? "Reconnecting…" : "Connecting…";
  else if (state === "online") element.textContent = "Online";
  else if (state === "stopped") element.textContent = detail.reason === "kicked" ? "Replaced elsewhere" : "Offline";
  else if (state === "waiting") {
    const tick = () => {
      const seconds = Math.max(1, Math.ceil((detail.until - Date.now()) / 1000));
      element.textContent = `Offline · retrying in ${seconds} s`;
    };
    tick();
    countdown = setInterval(tick, 1000);
    if (detail.attempt >= 2) showBanner("The connection was lost. Messages you write now are sent when it is back.", 0, "Retry now", () => conn && conn.reconnectNow());
  }
  if (state === "online" && $("banner").dataset.kind === "retry") hideBanner();
}

let bannerTimer = null;

function showBanner(text, timeout = 0, actionLabel = "", action = null) {
  clearTimeout(bannerTimer);
  $("banner-text").textContent = text;
  $("banner").dataset.kind = actionLabel === "Retry now" ? "retry" : "note";
  const button = $("banner-action");
  button.hidden = !action;
  button.textContent = actionLabel;
  button.onclick = action;
  $("banner").hidden = false;
  if (timeout) bannerTimer = setTimeout(hideBanner, timeout);
}

function hideBanner() {
  clearTimeout(bannerTimer);
  $("banner").hidden = true;
}

// --- rendering

let renderQueued = false;
let stickToBottom = true;

function render() {
  renderQueued = false;
  renderMe();
  renderRequests();
  renderFriends();
  renderConversation();
  const unread = store.totalUnread();
  document.title = unread ? `(${unread}) Flux` : "Flux";
}

function queueRender() {
  if (!renderQueued) {
    renderQueued = true;
    queueMicrotask(render);
  }
}

function renderMe() {
  const me = store.me;
  document.body.dataset.uid = me ? String(me.uid) : "";
  if (!me) return;
  $("me-name").textContent = me.nick || me.name;
  paintAvatar($("me-avatar"), me);
}

/// Keyed update of `list`'s children (a row is never replaced between mousedown and click).
function reconcile(list, items, keyOf, create, paint) {
  const existing = new Map();
  for (const element of list.children) existing.set(element.dataset.key, element);
  let previous = null;
  for (const item of items) {
    const key = String(keyOf(item));
    let element = existing.get(key);
    if (element) existing.delete(key);
    else {
      element = create();
      element.dataset.key = key;
    }
    paint(element, item);
    const expected = previous ? previous.nextSibling : list.firstChild;
    if (element !== expected) list.insertBefore(element, expected);
    previous = element;
  }
  for (const element of existing.values()) element.remove();
}

const fromTemplate = (id) => () => $(id).content.firstElementChild.cloneNode(true);

function renderRequests() {
  const requests = [...store.requests.values()];
  reconcile($("request-list"), requests, (r) => r.uid, fromTemplate("request-template"), (row, request) => {
    row.dataset.uid = String(request.uid);
    paintAvatar(row.querySelector(".avatar"), request);
    row.querySelector("[data-test=request-name]").textContent = request.nick && request.nick !== request.name ? `${request.nick} (${request.name})` : request.name;
    row.querySelector("[data-test=request-desc]").textContent = request.desc || "wants to be your friend";
    row.querySelector("[data-test=accept]").disabled = acceptWaiting.includes(request.uid);
  });
  $("requests").hidden = requests.length === 0;
}

function lastText(uid) {
  const conv = store.conversations.get(uid);
  if (!conv || !conv.messages.length) return null;
  return conv.messages[conv.messages.length - 1];
}

function renderFriends() {
  const friends = store.friendOrder();
  reconcile($("friend-list"), friends, (f) => f.uid, fromTemplate("friend-template"), (row, friend) => {
    row.dataset.uid = String(friend.uid);
    row.classList.toggle("active", friend.uid === active);
    paintAvatar(row.querySelector(".avatar"), friend);
    const dot = row.querySelector("[data-test=online-dot]");
    dot.dataset.online = String(Boolean(friend.online));
    dot.title = friend.online ? "online" : "offline";
    row.querySelector("[data-test=friend-name]").textContent = displayName(friend);
    const last = lastText(friend.uid);
    row.querySelector("[data-test=friend-desc]").textContent = last ? (last.out ? `You: ${last.content}` : last.content) : friend.desc || "";
    const unread = store.conversations.get(friend.uid)?.unread || 0;
    const badge = row.querySelector("[data-test=unread]");
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = unread === 0;
    row.setAttribute("aria-label", `${displayName(friend)}, ${friend.online ? "online" : "offline"}${unread ? `, ${unread} unread` : ""}`);
  });
  $("friends-empty").hidden = friends.length > 0;
}

const STATUS_TEXT = { sending: "sending…", sent: "sent", delivered: "delivered", read: "read", failed: "not sent · tap to retry" };

function renderConversation() {
  const open = active != null;
  $("conv-empty").hidden = open;
  $("conv-pane").hidden = !open;
  if (!open) return;
  const friend = store.friends.get(active) || { uid: active, name: `#${active}` };
  const conv = store.conversation(active);
  paintAvatar($("conv-avatar"), friend);
  $("conv-title").textContent = displayName(friend);
  const presence = friend.online ? "online" : "offline";
  const about = [friend.nick && friend.nick !== displayName(friend) ? friend.nick : "", friend.desc].filter(Boolean).join(" · ");
  $("conv-sub").textContent = about ? `${presence} · ${about}` : presence;
  $("conv-sub").dataset.online = String(Boolean(friend.online));

  const older = $("older-btn");
  older.hidden = !store.hasOlder(active) && !conv.loadingOlder;
  older.disabled = conv.loadingOlder;
  older.textContent = conv.loadingOlder ? "Loading…" : "Older messages";
  $("history-start").hidden = store.oldestSeq(active) !== 1;

  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const list = $("message-list");
  reconcile(list, conv.messages, (m) => m.key, fromTemplate("message-template"), paintMessage);
  // one time (and status) under a run of messages from one side within the same minute
  conv.messages.forEach((m, i) => {
    const next = conv.messages[i + 1];
    const li = list.children[i];
    li.classList.toggle("grouped", Boolean(next) && next.out === m.out && li.dataset.minute === list.children[i + 1].dataset.minute
      && li.dataset.status === list.children[i + 1].dataset.status);
  });

  if (keepOffset != null && !conv.loadingOlder) {
    box.scrollTop = box.scrollHeight - keepOffset;
    keepOffset = null;
  } else if (stickToBottom || nearBottom) {
    box.scrollTop = box.scrollHeight;
    if (conv.messages.length) stickToBottom = false;
  }
}

function paintMessage(li, message) {
  li.dataset.msgid = message.msgid;
  li.dataset.seq = message.seq == null ? "" : String(message.seq);
  li.dataset.dir = message.out ? "out" : "in";
  li.querySelector("[data-test=text]").textContent = message.content;
  const time = li.querySelector("time");
  time.textContent = li.dataset.minute = formatTime(message.time);
  if (message.time) time.dateTime = new Date(message.time).toISOString();
  const status = li.querySelector("[data-test=status]");
  if (message.out) {
    const state = store.status(active, message);
    li.dataset.status = state;
    status.textContent = STATUS_TEXT[state];
    status.hidden = false;
  } else {
    delete li.dataset.status;
    status.textContent = "";
    status.hidden = true;
  }
}

// --- wiring

function wire() {
  $("tab-login").addEventListener("click", () => selectTab("login"));
  $("tab-register").addEventListener("click", () => selectTab("register"));
  $("login-form").addEventListener("submit", submitLogin);
  $("register-form").addEventListener("submit", submitRegister);
  $("reg-code-btn").addEventListener("click", requestCode);
  $("logout-btn").addEventListener("click", logOut);
  $("search-form").addEventListener("submit", submitSearch);
  $("search-add").addEventListener("click", addFound);
  $("profile-btn").addEventListener("click", openProfile);
  $("profile-form").addEventListener("submit", saveProfile);
  $("profile-cancel").addEventListener("click", () => $("profile-dialog").close());
  $("composer").addEventListener("submit", submitText);
  $("composer-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("conv-back").addEventListener("click", closeConversation);
  $("older-btn").addEventListener("click", loadOlder);
  $("messages").addEventListener("scroll", () => {
    if ($("messages").scrollTop < 40 && active != null && !store.conversation(active).loadingOlder) loadOlder();
  });
  $("message-list").addEventListener("click", (event) => {
    const li = event.target.closest("li[data-status=failed]");
    if (li) retry(li.dataset.msgid);
  });
  $("request-list").addEventListener("click", (event) => {
    const button = event.target.closest("[data-test=accept]");
    if (button) {
      button.disabled = true;
      accept(Number(button.closest("li").dataset.uid));
    }
  });
  const openRow = (event) => {
    const row = event.target.closest("li[data-uid]");
    if (row) openConversation(Number(row.dataset.uid));
  };
  $("friend-list").addEventListener("click", openRow);
  $("friend-list").addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      openRow(event);
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && active != null) {
      store.clearUnread(active);
      scheduleReceipts(active);
    }
  });
  window.addEventListener("online", () => conn && conn.reconnectNow());
  store.subscribe(queueRender);
}

wire();
const saved = loadSession();
if (saved) startSession(saved);
else showAuth();
