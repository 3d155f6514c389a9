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
let activeGroup = null; // gid of the open group (at most one of active and activeGroup is set)
let groupInflight = []; // 1133s awaiting their 1134, in the order sent: {gid, msgids}
let groupWaits = {}; // response id → contexts of the group requests awaiting it, in the order sent
let groupsListed = false; // 1142 came since the last login
let groupsUnsupported = false; // the server answered 1141 with "unknown message": no groups section
let dialogGroup = null; // gid shown in the members dialog
let armed = null; // a destructive button clicked once: "leave" or `remove/<uid>`; the second click acts
let armedTimer = null;
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
  if (session && store.me && session.uid === store.me.uid) saveSession({ ...session, read: store.readMarks(), groupRead: store.groupReadMarks() });
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

function isReadingGroup(gid) {
  return activeGroup === gid && document.visibilityState === "visible";
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
  activeGroup = null;
  groupsListed = false;
  for (const id of ["create-dialog", "group-dialog"]) if ($(id).open) $(id).close();
  dialogGroup = null;
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
      groupFrameRefused(body);
      break;
    case 1119:
      if (body.error !== 0) showBanner("This server is shutting down. You will be reconnected shortly.", 8000);
      break;
    case 1122:
      groupCreated(body, answered(id, body));
      break;
    case 1124:
      membersAdded(body, answered(id, body));
      break;
    case 1126:
      groupLeft(body, answered(id, body));
      break;
    case 1128:
      memberRemoved(body, answered(id, body));
      break;
    case 1130:
      groupInfo(body, answered(id, body));
      break;
    case 1131:
      groupNotice(body);
      break;
    case 1134:
      groupTextsStored(body);
      break;
    case 1135:
      groupTexts(body);
      break;
    case 1138:
      groupHistoryPage(body, answered(id, body));
      break;
    case 1140:
      answered(id, body);
      if (body.error !== 0) console.warn("flux: group read mark refused", body);
      break;
    case 1142:
      groupList(body, answered(id, body));
      break;
    case 1144:
      groupRenamed(body, answered(id, body));
      break;
    case 1148:
      roleSet(body, answered(id, body));
      break;
    default:
      break;
  }
}

function loggedIn(body) {
  inflight = [];
  historyWaiting = [];
  acceptWaiting = [];
  groupInflight = [];
  groupWaits = {};
  groupsListed = false;
  groupsUnsupported = false;
  store.login(body);
  const session = loadSession();
  if (session && session.uid === body.uid) {
    store.seedReadMarks(session.read);
    store.seedGroupReadMarks(session.groupRead);
  }
  hideBanner();
  // unacknowledged texts go again; the same msgid is stored once
  for (const { peer, texts } of store.unsent()) transmit(peer, texts);
  for (const conv of store.conversations.values()) {
    conv.loadingOlder = false;
    if (conv.peer === active) requestHistory(conv.peer, null);
    else conv.historyRequested = false;
  }
  request(1141, {});
  for (const { gid, texts } of store.unsentGroups()) transmitGroup(gid, texts);
  for (const group of store.groups.values()) {
    group.loadingOlder = false;
    if (group.gid === activeGroup) {
      requestGroupHistory(group.gid, null);
      requestGroupInfo(group.gid);
    } else {
      group.historyRequested = false;
      group.membersStale = true;
    }
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
  if (!content.trim() || (active == null && activeGroup == null)) return;
  const bytes = activeGroup != null ? groupBodyBytes(activeGroup, [{ msgid: newMsgid(), content }]) : bodyBytes(active, [{ msgid: newMsgid(), content }]);
  if ([...content].length > MAX_TEXT_CHARS || bytes > MAX_BODY_BYTES) {
    show($("composer-error"), "That message is too long. Please split it up.");
    return;
  }
  show($("composer-error"), "");
  input.value = "";
  stickToBottom = true;
  if (activeGroup != null) {
    transmitGroup(activeGroup, [store.addGroupOutgoing(activeGroup, newMsgid(), content)]);
    return;
  }
  const entry = store.addOutgoing(active, newMsgid(), content);
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
  if (activeGroup != null) {
    const entry = store.retryGroupOutgoing(activeGroup, msgid);
    if (entry) transmitGroup(activeGroup, [entry]);
    return;
  }
  if (active == null) return;
  const entry = store.retryOutgoing(active, msgid);
  if (entry) transmit(active, [entry]);
}

// --- receipts

const receiptPeers = new Set();
const readGroups = new Set(); // groups whose read mark (1139) may be due
let receiptTimer = null;

function scheduleReceipts(peer) {
  receiptPeers.add(peer);
  if (!receiptTimer) receiptTimer = setTimeout(flushReceipts, 250);
}

function scheduleGroupRead(gid) {
  readGroups.add(gid);
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
  for (const gid of readGroups) {
    const due = isReadingGroup(gid) ? store.groupReadDue(gid) : null;
    if (due) request(1139, due, { gid });
  }
  readGroups.clear();
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
  if (activeGroup != null) {
    if (!store.groupHasOlder(activeGroup)) return;
    const box = $("messages");
    keepOffset = box.scrollHeight - box.scrollTop;
    requestGroupHistory(activeGroup, store.groupOldestSeq(activeGroup));
    if (!store.groups.get(activeGroup)?.loadingOlder) keepOffset = null;
    return;
  }
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
  if (active !== uid || activeGroup != null) {
    active = uid;
    activeGroup = null;
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
  activeGroup = null;
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

// --- groups (1121–1148): requests whose answers are matched by gid, or in the order sent

const GROUP_TEXT = {
  1015: "You can only add your friends to a group.",
  1021: "You are not a member of this group.",
  1022: "You are not allowed to do that in this group.",
  1023: "The group is full.",
  1024: "That group no longer exists.",
  1025: "You are in too many groups already.",
};
const groupError = (code) => GROUP_TEXT[code] || api.errorText(code);
const MAX_GROUP_NAME = 64;

/// Sends a group request and remembers `context` for its answer; false when not connected.
function request(id, body, context = {}) {
  if (!send(id, body)) return false;
  (groupWaits[id + 1] ||= []).push(context);
  return true;
}

/// The context of the request this answer belongs to: a success names its gid; an error carries only
/// `error`, and answers of one kind come in the order the requests were sent.
function answered(id, body) {
  const queue = groupWaits[id] || [];
  if (!queue.length) return null;
  let index = body.gid != null ? queue.findIndex((c) => c.gid === body.gid) : -1;
  if (index < 0) index = 0;
  return queue.splice(index, 1)[0];
}

/// 1117 for a group request (a server without groups answers 1016): its answer will not come.
function groupFrameRefused(body) {
  const id = body.msgid;
  if (!Number.isInteger(id) || id < 1121 || id > 1147 || id % 2 === 0) return;
  const refused = { error: body.error || 1016 };
  if (id === 1133) {
    groupTextsStored(refused);
    return;
  }
  answered(id + 1, refused);
  if (id === 1141 && body.error === 1016) {
    groupsUnsupported = true;
    renderGroups();
  } else if (id === 1121) {
    groupCreated(refused);
  } else if (id === 1137) {
    for (const group of store.groups.values()) group.loadingOlder = false;
    renderConversation();
  } else if (id !== 1129 && id !== 1139) {
    show($("group-status"), groupError(refused.error));
  }
}

function groupTitle(group) {
  return group.name || `Group ${group.gid}`;
}

/// "3 members · you are an admin" (no online count: presence is pushed for friends only).
function groupSummary(group) {
  const count = group.members ? group.members.size : group.memberCount;
  const parts = [`${count} ${count === 1 ? "member" : "members"}`];
  const role = store.myRole(group.gid);
  if (role && role !== "member") parts.push(`you are ${role === "owner" ? "the owner" : "an admin"}`);
  return parts.join(" · ");
}

/// A member's presence: a friend's live (1113), else as the last 1130 said, me always.
function isOnline(member) {
  if (store.me && member.uid === store.me.uid) return true;
  const friend = store.friends.get(member.uid);
  return friend ? Boolean(friend.online) : Boolean(member.online);
}

function paintGroupAvatar(element, group) {
  const letters = [...(group.name || "")].filter((c) => /[\p{L}\p{N}]/u.test(c));
  element.textContent = (letters[0] || "#").toUpperCase();
  element.className = `avatar square tone-${Math.abs(Number(group.gid) || 0) % 8}`;
}

function groupBodyBytes(gid, texts) {
  return encoder.encode(JSON.stringify({ gid, text_array: texts })).length;
}

/// Sends group texts in 1133s that respect the batch and frame limits.
function transmitGroup(gid, messages) {
  if (!conn || !conn.online) return; // they stay "sending" and go after the next login
  let batch = [];
  const flush = () => {
    if (!batch.length) return;
    if (send(1133, { gid, text_array: batch })) groupInflight.push({ gid, msgids: batch.map((t) => t.msgid) });
    batch = [];
  };
  for (const m of messages) {
    const text = { msgid: m.msgid, content: m.content };
    if (batch.length === MAX_BATCH || (batch.length && groupBodyBytes(gid, [...batch, text]) > MAX_BODY_BYTES)) flush();
    batch.push(text);
  }
  flush();
}

function groupTextsStored(body) {
  if (body.error === 0) {
    const items = body.text_array || [];
    const ids = new Set(items.map((t) => t.msgid));
    const index = groupInflight.findIndex((b) => b.gid === body.gid && b.msgids.some((m) => ids.has(m)));
    if (index >= 0) groupInflight.splice(index, 1);
    store.ackGroupOutgoing(body.gid, items);
    scheduleGroupRead(body.gid);
  } else {
    const batch = groupInflight.shift();
    if (batch) store.failGroupOutgoing(batch.gid, batch.msgids, body.error);
    if (body.error === 1021 || body.error === 1024) {
      if (batch) groupGone(batch.gid, groupError(body.error));
    } else {
      show($("composer-error"), groupError(body.error));
    }
  }
}

function groupTexts(body) {
  if (body.error !== 0 || body.gid == null) return;
  const known = store.groups.has(body.gid);
  store.addGroupIncoming(body);
  if (!known && groupsListed) wantInfo(body.gid);
  scheduleGroupRead(body.gid);
}

function requestGroupHistory(gid, before) {
  const group = store.groups.get(gid);
  if (!group || !conn || !conn.online || group.loadingOlder) return;
  const body = before == null ? { gid, limit: PAGE } : { gid, before, limit: PAGE };
  if (request(1137, body, { gid })) {
    group.historyRequested = true;
    group.loadingOlder = true;
    renderConversation();
  }
}

function groupHistoryPage(body, context) {
  const gid = body.gid ?? (context && context.gid);
  if (gid == null) return;
  if (body.error !== 0) {
    const group = store.groups.get(gid);
    if (group) group.loadingOlder = false;
    keepOffset = null;
    if (body.error === 1021 || body.error === 1024) groupGone(gid, groupError(body.error));
    else if (gid === activeGroup) show($("composer-error"), groupError(body.error));
    renderConversation();
    return;
  }
  store.addGroupHistory(gid, body.messages || []);
  scheduleGroupRead(gid);
}

const infoWanted = new Set();
let infoTimer = null;

/// Asks 1129 for a group's members (a burst of notices makes one request).
function wantInfo(gid) {
  infoWanted.add(gid);
  if (!infoTimer) {
    infoTimer = setTimeout(() => {
      infoTimer = null;
      for (const id of infoWanted) requestGroupInfo(id);
      infoWanted.clear();
    }, 200);
  }
}

function requestGroupInfo(gid) {
  return request(1129, { gid }, { gid });
}

function groupInfo(body, context) {
  if (body.error === 0) {
    store.setGroupInfo(body);
    return;
  }
  const gid = context && context.gid;
  if (gid != null && (body.error === 1021 || body.error === 1024)) groupGone(gid, "");
}

function groupList(body) {
  if (body.error !== 0) {
    console.warn("flux: my groups refused", body);
    return;
  }
  store.setGroups(body.groups || []);
  groupsListed = true;
  for (const mark of store.groupReadMarksAhead()) request(1139, mark, { gid: mark.gid });
  for (const group of store.groups.values()) if (!group.name) wantInfo(group.gid);
  if (activeGroup != null && !store.groups.has(activeGroup)) groupGone(activeGroup, "");
  else if (activeGroup != null && store.groups.get(activeGroup).membersStale) wantInfo(activeGroup);
}

/// The group is no longer mine (left, removed, dissolved): it leaves the screen.
function groupGone(gid, text) {
  store.removeGroup(gid);
  if (activeGroup === gid) closeConversation();
  if (dialogGroup === gid && $("group-dialog").open) $("group-dialog").close();
  if (text) showBanner(text, 8000);
}

function groupNotice(body) {
  if (body.error !== 0 || body.gid == null) return;
  const before = store.groups.get(body.gid);
  const title = before ? groupTitle(before) : "";
  const result = store.applyGroupNotice(body);
  const byMe = store.me && body.by === store.me.uid;
  if (result.gone || body.kind === "dissolved" || ((body.kind === "removed" || body.kind === "left") && store.me && body.uid === store.me.uid)) {
    let text = "";
    if (!byMe && title) text = body.kind === "dissolved" ? `The group “${title}” was dissolved.` : `You were removed from “${title}”.`;
    groupGone(body.gid, text);
    return;
  }
  const group = store.groups.get(body.gid);
  if (result.needsInfo || (group && group.membersStale && (activeGroup === body.gid || dialogGroup === body.gid))) wantInfo(body.gid);
}

function openGroup(gid) {
  const group = store.groups.get(gid);
  if (!group) return;
  if (activeGroup !== gid || active != null) {
    active = null;
    activeGroup = gid;
    $("message-list").replaceChildren();
    show($("composer-error"), "");
    stickToBottom = true;
  }
  document.body.classList.add("conv-open");
  if (!group.historyRequested) requestGroupHistory(gid, null);
  if (group.membersStale || !group.members) wantInfo(gid);
  scheduleGroupRead(gid);
  render();
  if (window.matchMedia("(min-width: 720px)").matches) $("composer-input").focus();
}

// --- new group

function friendsByName() {
  return [...store.friends.values()].sort((a, b) => displayName(a).localeCompare(displayName(b)));
}

function paintPick(li, person) {
  li.dataset.uid = String(person.uid);
  li.querySelector("input").value = String(person.uid);
  paintAvatar(li.querySelector(".avatar"), person);
  li.querySelector(".row-title").textContent = displayName(person);
}

function checkedUids(list) {
  return [...list.querySelectorAll("input[type=checkbox]:checked")].map((box) => Number(box.value));
}

function openCreate() {
  if (!store.me) return;
  $("create-form").reset();
  const friends = friendsByName();
  $("create-pick").replaceChildren();
  reconcile($("create-pick"), friends, (f) => f.uid, fromTemplate("pick-template"), paintPick);
  $("create-none").hidden = friends.length > 0;
  show($("create-status"), "");
  $("create-submit").disabled = false;
  $("create-dialog").showModal();
  $("create-name").focus();
}

function submitCreate(event) {
  event.preventDefault();
  const name = $("create-name").value.trim();
  const length = [...name].length;
  if (length < 1 || length > MAX_GROUP_NAME) {
    show($("create-status"), "The group name needs 1 to 64 characters.");
    return;
  }
  if (request(1121, { name, members: checkedUids($("create-pick")) })) {
    $("create-submit").disabled = true;
    show($("create-status"), "Creating…");
  } else {
    show($("create-status"), "Not connected. Try again in a moment.");
  }
}

function groupCreated(body) {
  $("create-submit").disabled = false;
  if (body.error !== 0) {
    show($("create-status"), groupError(body.error));
    return;
  }
  store.setGroupInfo(body);
  if ($("create-dialog").open) $("create-dialog").close();
  openGroup(body.gid);
}

// --- the members dialog: rename, add, remove, roles, leave

function disarm() {
  clearTimeout(armedTimer);
  armed = null;
}

/// A destructive action needs a second click within 4 s.
function armOrAct(key, act) {
  if (armed === key) {
    disarm();
    act();
  } else {
    clearTimeout(armedTimer);
    armed = key;
    armedTimer = setTimeout(() => {
      armed = null;
      renderGroupDialog();
    }, 4000);
  }
  renderGroupDialog();
}

function openGroupDialog() {
  if (activeGroup == null) return;
  dialogGroup = activeGroup;
  disarm();
  show($("group-status"), "");
  $("add-pick").replaceChildren();
  delete $("rename-input").dataset.dirty;
  wantInfo(dialogGroup);
  $("group-dialog").showModal();
  renderGroupDialog();
}

function renderGroupDialog() {
  if (dialogGroup == null || !$("group-dialog").open) return;
  const group = store.groups.get(dialogGroup);
  if (!group) {
    $("group-dialog").close();
    return;
  }
  const gid = group.gid;
  const role = store.myRole(gid);
  const manage = role === "owner" || role === "admin";
  paintGroupAvatar($("gd-avatar"), group);
  $("gd-name").textContent = groupTitle(group);
  $("gd-sub").textContent = groupSummary(group);
  $("rename-form").hidden = !manage;
  // Never under the user's hands: not once typed in, nor while it has the focus.
  const renameInput = $("rename-input");
  if (!renameInput.dataset.dirty && document.activeElement !== renameInput) renameInput.value = group.name;

  reconcile($("member-list"), store.memberOrder(gid), (m) => m.uid, fromTemplate("member-template"), (li, member) => {
    li.dataset.uid = String(member.uid);
    li.dataset.role = member.role;
    paintAvatar(li.querySelector(".avatar"), { ...member, back: store.friends.get(member.uid)?.back });
    const online = isOnline(member);
    const dot = li.querySelector("[data-test=online-dot]");
    dot.dataset.online = String(online);
    dot.title = online ? "online" : "offline";
    const me = store.me && member.uid === store.me.uid;
    li.querySelector("[data-test=member-name]").textContent = me ? `${store.memberName(gid, member.uid)} (you)` : store.memberName(gid, member.uid);
    const roleLabel = li.querySelector("[data-test=role]");
    roleLabel.textContent = member.role;
    roleLabel.dataset.role = member.role;
    const may = store.allowed(gid, member.uid);
    const roleButton = li.querySelector("[data-action=role]");
    roleButton.hidden = !(may.promote || may.demote);
    roleButton.textContent = may.demote ? "Make member" : "Make admin";
    const remove = li.querySelector("[data-action=remove]");
    remove.hidden = !may.remove;
    remove.textContent = armed === `remove/${member.uid}` ? "Remove?" : "Remove";
    remove.classList.toggle("armed", armed === `remove/${member.uid}`);
  });

  const candidates = group.members ? friendsByName().filter((f) => !group.members.has(f.uid)) : [];
  $("add-form").hidden = !manage || !group.members;
  reconcile($("add-pick"), candidates, (f) => f.uid, fromTemplate("pick-template"), paintPick);
  $("add-none").hidden = candidates.length > 0;
  $("add-submit").hidden = candidates.length === 0;

  const leave = $("group-leave");
  leave.textContent = armed === "leave" ? (group.memberCount <= 1 ? "Leave and dissolve?" : "Really leave?") : "Leave group";
  leave.classList.toggle("armed", armed === "leave");
}

function submitRename(event) {
  event.preventDefault();
  const gid = dialogGroup;
  const name = $("rename-input").value.trim();
  const length = [...name].length;
  if (gid == null) return;
  if (length < 1 || length > MAX_GROUP_NAME) {
    show($("group-status"), "The group name needs 1 to 64 characters.");
    return;
  }
  if (name === store.groups.get(gid)?.name) return;
  if (request(1143, { gid, name }, { gid, name })) show($("group-status"), "Renaming…");
  else show($("group-status"), "Not connected. Try again in a moment.");
}

function groupRenamed(body, context) {
  if (body.error === 0) {
    store.renameGroup(body.gid, body.name);
    delete $("rename-input").dataset.dirty;
    $("rename-input").value = body.name;
    show($("group-status"), "Renamed.");
  } else {
    show($("group-status"), groupError(body.error));
    if (context && context.gid != null) $("rename-input").value = store.groups.get(context.gid)?.name || "";
  }
}

function submitAdd(event) {
  event.preventDefault();
  const gid = dialogGroup;
  const members = checkedUids($("add-pick"));
  if (gid == null || !members.length) {
    show($("group-status"), "Tick the friends to add first.");
    return;
  }
  if (request(1123, { gid, members }, { gid, members })) show($("group-status"), "Adding…");
  else show($("group-status"), "Not connected. Try again in a moment.");
}

function membersAdded(body, context) {
  if (body.error !== 0) {
    show($("group-status"), groupError(body.error));
    return;
  }
  const added = body.added || [];
  store.addMembers(body.gid, added);
  wantInfo(body.gid);
  const asked = context && context.members ? context.members.length : added.length;
  show($("group-status"), added.length === asked ? `Added ${added.length}.` : `Added ${added.length} of ${asked}.`);
}

function memberAction(event) {
  const button = event.target.closest("button[data-action]");
  const li = button && button.closest("li[data-uid]");
  const gid = dialogGroup;
  if (!li || gid == null) return;
  const uid = Number(li.dataset.uid);
  if (button.dataset.action === "remove") {
    armOrAct(`remove/${uid}`, () => {
      if (request(1127, { gid, uid }, { gid, uid })) show($("group-status"), "Removing…");
    });
  } else if (button.dataset.action === "role") {
    const role = li.dataset.role === "admin" ? "member" : "admin";
    if (request(1147, { gid, uid, role }, { gid, uid, role })) show($("group-status"), "Changing the role…");
  }
}

function memberRemoved(body) {
  if (body.error !== 0) {
    show($("group-status"), groupError(body.error));
    return;
  }
  store.dropMember(body.gid, body.uid);
  show($("group-status"), `${store.memberName(body.gid, body.uid)} was removed.`);
}

function roleSet(body) {
  if (body.error !== 0) {
    show($("group-status"), groupError(body.error));
    return;
  }
  store.setRole(body.gid, body.uid, body.role);
  show($("group-status"), "");
}

function leaveGroup() {
  const gid = dialogGroup;
  if (gid == null) return;
  armOrAct("leave", () => {
    if (request(1125, { gid }, { gid })) show($("group-status"), "Leaving…");
    else show($("group-status"), "Not connected. Try again in a moment.");
  });
}

function groupLeft(body, context) {
  const gid = body.gid ?? (context && context.gid);
  if (body.error !== 0 && body.error !== 1021 && body.error !== 1024) {
    show($("group-status"), groupError(body.error));
    return;
  }
  if (gid != null) groupGone(gid, "");
}

function renderGroups() {
  const groups = store.groupOrder();
  reconcile($("group-list"), groups, (g) => g.gid, fromTemplate("group-template"), (row, group) => {
    row.dataset.gid = String(group.gid);
    row.classList.toggle("active", group.gid === activeGroup);
    paintGroupAvatar(row.querySelector(".avatar"), group);
    const title = groupTitle(group);
    row.querySelector("[data-test=group-name]").textContent = title;
    const last = group.messages.length ? group.messages[group.messages.length - 1] : null;
    const count = group.members ? group.members.size : group.memberCount;
    row.querySelector("[data-test=group-desc]").textContent = last
      ? `${last.out ? "You" : store.memberName(group.gid, last.fromuid)}: ${last.content}`
      : `${count} ${count === 1 ? "member" : "members"}`;
    const unread = isReadingGroup(group.gid) ? 0 : store.groupUnread(group.gid);
    const badge = row.querySelector("[data-test=unread]");
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = unread === 0;
    row.setAttribute("aria-label", `Group ${title}${unread ? `, ${unread} unread` : ""}`);
  });
  $("groups-empty").hidden = groups.length > 0;
  $("groups").hidden = groupsUnsupported && groups.length === 0;
}

function wireGroups() {
  $("group-new").addEventListener("click", openCreate);
  $("create-form").addEventListener("submit", submitCreate);
  $("create-cancel").addEventListener("click", () => $("create-dialog").close());
  $("conv-members").addEventListener("click", openGroupDialog);
  $("group-close").addEventListener("click", () => $("group-dialog").close());
  $("group-dialog").addEventListener("close", () => {
    dialogGroup = null;
    disarm();
  });
  $("rename-form").addEventListener("submit", submitRename);
  $("rename-input").addEventListener("input", () => {
    $("rename-input").dataset.dirty = "1";
  });
  $("add-form").addEventListener("submit", submitAdd);
  $("member-list").addEventListener("click", memberAction);
  $("group-leave").addEventListener("click", leaveGroup);
  const openRow = (event) => {
    const row = event.target.closest("li[data-gid]");
    if (row) openGroup(Number(row.dataset.gid));
  };
  $("group-list").addEventListener("click", openRow);
  $("group-list").addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      openRow(event);
    }
  });
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
  renderGroups();
  renderFriends();
  renderConversation();
  renderGroupDialog();
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
  const group = activeGroup != null ? store.groups.get(activeGroup) : null;
  const open = active != null || group != null;
  $("conv-empty").hidden = open;
  $("conv-pane").hidden = !open;
  $("conv-members").hidden = !group;
  document.body.dataset.conv = group ? "group" : open ? "friend" : "";
  if (!open) return;
  let conv;
  let hasOlder;
  let oldest;
  if (group) {
    conv = group;
    hasOlder = store.groupHasOlder(group.gid);
    oldest = store.groupOldestSeq(group.gid);
    paintGroupAvatar($("conv-avatar"), group);
    $("conv-title").textContent = groupTitle(group);
    $("conv-sub").textContent = groupSummary(group);
    $("conv-sub").dataset.online = "false";
    $("history-start").textContent = "This is the beginning of the group.";
  } else {
    const friend = store.friends.get(active) || { uid: active, name: `#${active}` };
    conv = store.conversation(active);
    hasOlder = store.hasOlder(active);
    oldest = store.oldestSeq(active);
    paintAvatar($("conv-avatar"), friend);
    $("conv-title").textContent = displayName(friend);
    const presence = friend.online ? "online" : "offline";
    const about = [friend.nick && friend.nick !== displayName(friend) ? friend.nick : "", friend.desc].filter(Boolean).join(" · ");
    $("conv-sub").textContent = about ? `${presence} · ${about}` : presence;
    $("conv-sub").dataset.online = String(Boolean(friend.online));
    $("history-start").textContent = "This is the beginning of your conversation.";
  }

  const older = $("older-btn");
  older.hidden = !hasOlder && !conv.loadingOlder;
  older.disabled = conv.loadingOlder;
  older.textContent = conv.loadingOlder ? "Loading…" : "Older messages";
  $("history-start").hidden = oldest !== 1;

  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const list = $("message-list");
  reconcile(list, conv.messages, (m) => m.key, fromTemplate("message-template"), paintMessage);
  // one time (and status) under a run of messages from one sender within the same minute; in a group,
  // the sender's name over the first of a run of someone else's
  conv.messages.forEach((m, i) => {
    const next = conv.messages[i + 1];
    const previous = conv.messages[i - 1];
    const li = list.children[i];
    li.classList.toggle("grouped", Boolean(next) && next.fromuid === m.fromuid && li.dataset.minute === list.children[i + 1].dataset.minute
      && li.dataset.status === list.children[i + 1].dataset.status);
    const sender = li.querySelector("[data-test=sender]");
    const named = Boolean(group) && !m.out && (!previous || previous.fromuid !== m.fromuid);
    sender.hidden = !named;
    sender.textContent = named ? store.memberName(group.gid, m.fromuid) : "";
    sender.dataset.tone = String(Math.abs(Number(m.fromuid) || 0) % 8);
    li.classList.toggle("first", !previous || previous.fromuid !== m.fromuid);
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
  li.dataset.from = String(message.fromuid);
  if (message.out) {
    const state = activeGroup != null ? store.groupStatus(message) : store.status(active, message);
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
    if ($("messages").scrollTop < 40 && activeGroup != null && store.groups.get(activeGroup) && !store.groups.get(activeGroup).loadingOlder) loadOlder();
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
    if (document.visibilityState === "visible" && activeGroup != null) scheduleGroupRead(activeGroup);
  });
  wireGroups();
  window.addEventListener("online", () => conn && conn.reconnectNow());
  // a reload or close within the receipts' 250 ms would lose them: send (and keep) them now
  window.addEventListener("pagehide", flushReceipts);
  store.subscribe(queueRender);
}

wire();
const saved = loadSession();
if (saved) startSession(saved);
else showAuth();
