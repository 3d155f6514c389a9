// Node tests of the web client's pure modules (no browser, no server): node Tests/browser/client_logic_test.mjs
import assert from "node:assert/strict";
import { Store, newMsgid } from "../../Sources/FluxGate/Web/store.js";
import { Connection, backoffDelay, decode, encode, BACKOFF_CAP_MS, HEARTBEAT_MS, SILENCE_LIMIT_MS } from "../../Sources/FluxGate/Web/connection.js";

const tests = [];
const test = (name, fn) => tests.push([name, fn]);

// --- store ---
const login = (uid = 1) => ({
  error: 0, uid, name: "me", email: "me@x", nick: "Me", desc: "", sex: 0, icon: "",
  apply_list: [{ uid: 5, name: "e", nick: "E", status: 0 }, { uid: 6, name: "f", status: 1 }],
  friend_list: [{ uid: 2, name: "b", nick: "B", back: "bee", online: true }],
});

test("login keeps pending requests only", () => {
  const s = new Store();
  s.login(login());
  assert.deepEqual([...s.requests.keys()], [5]);
  assert.equal(s.friends.get(2).online, true);
});

test("duplicates by msgid and seq are dropped, order by seq", () => {
  const s = new Store();
  s.login(login());
  assert.equal(s.addIncoming({ fromuid: 2, touid: 1, text_array: [{ msgid: "a", content: "A", seq: 2, time: 2 }] }, false), 1);
  assert.equal(s.addIncoming({ fromuid: 2, touid: 1, text_array: [{ msgid: "a", content: "A", seq: 2, time: 2 }] }, false), 0);
  s.addHistory(2, [{ seq: 1, msgid: "z", fromuid: 1, touid: 2, content: "first", time: 1 }, { seq: 2, msgid: "a", fromuid: 2, touid: 1, content: "A", time: 2 }]);
  const conv = s.conversation(2);
  assert.deepEqual(conv.messages.map((m) => m.seq), [1, 2]);
  assert.equal(conv.unread, 1);
  assert.equal(conv.messages[0].out, true);
  assert.equal(s.hasOlder(2), false);
});

test("a history page carries the peer's receipts of my messages", () => {
  const s = new Store();
  s.login(login());
  s.addHistory(2, [
    { seq: 1, msgid: "h1", fromuid: 1, touid: 2, content: "one", time: 1 },
    { seq: 2, msgid: "h2", fromuid: 1, touid: 2, content: "two", time: 2 },
    { seq: 3, msgid: "h3", fromuid: 1, touid: 2, content: "three", time: 3 },
  ], { peer_delivered: 2, peer_read: 1 });
  const [one, two, three] = s.conversation(2).messages;
  assert.equal(s.status(2, one), "read");
  assert.equal(s.status(2, two), "delivered");
  assert.equal(s.status(2, three), "sent");
  // An older page never moves the marks back.
  s.addHistory(2, [], { peer_delivered: 0, peer_read: 0 });
  assert.equal(s.status(2, one), "read");
});

test("outgoing: sending → sent → delivered → read, ack via history too", () => {
  const s = new Store();
  s.login(login());
  const m = s.addOutgoing(2, "m1", "hi");
  const m2 = s.addOutgoing(2, "m2", "there");
  assert.equal(s.status(2, m), "sending");
  assert.deepEqual(s.unsent()[0].texts.map((t) => t.msgid), ["m1", "m2"]);
  s.ackOutgoing(2, [{ msgid: "m1", content: "hi", seq: 7, time: 5 }]);
  assert.equal(s.status(2, m), "sent");
  s.addHistory(2, [{ seq: 8, msgid: "m2", fromuid: 1, touid: 2, content: "there", time: 6 }]);
  assert.equal(s.status(2, m2), "sent");
  assert.equal(s.unsent().length, 0);
  s.applyReceipt(2, 7, "delivered");
  assert.equal(s.status(2, m), "delivered");
  assert.equal(s.status(2, m2), "sent");
  s.applyReceipt(2, 8, "read");
  assert.equal(s.status(2, m2), "read");
  s.failOutgoing(2, ["m2"], 1012); // already stored: unchanged
  assert.equal(s.status(2, m2), "read");
  const m3 = s.addOutgoing(2, "m3", "x");
  s.failOutgoing(2, ["m3"], 1012);
  assert.equal(s.status(2, m3), "failed");
  s.retryOutgoing(2, "m3");
  assert.equal(s.status(2, m3), "sending");
  assert.equal(s.oldestSeq(2), 7);
  assert.equal(s.hasOlder(2), true);
});

test("receipts move forward only", () => {
  const s = new Store();
  s.login(login());
  s.addIncoming({ fromuid: 2, touid: 1, text_array: [{ msgid: "a", content: "A", seq: 3, time: 1 }] }, false);
  assert.deepEqual(s.receiptsDue(2, false), [{ peer: 2, seq: 3, kind: "delivered" }]);
  assert.deepEqual(s.receiptsDue(2, false), []);
  assert.deepEqual(s.receiptsDue(2, true), [{ peer: 2, seq: 3, kind: "read" }]);
  assert.deepEqual(s.receiptsDue(2, true), []);
});

test("re-login of the same user keeps conversations; another user does not", () => {
  const s = new Store();
  s.login(login());
  s.addIncoming({ fromuid: 2, touid: 1, text_array: [{ msgid: "a", content: "A", seq: 1, time: 1 }] }, false);
  s.login(login());
  assert.equal(s.conversation(2).messages.length, 1);
  s.login(login(9));
  assert.equal(s.conversations.size, 0);
});

test("msgids are distinct", () => {
  const ids = new Set(Array.from({ length: 1000 }, () => newMsgid()));
  assert.equal(ids.size, 1000);
});

// --- groups ---
const groupText = (gid, fromuid, items) => ({ error: 0, gid, fromuid, text_array: items.map(([seq, msgid, content]) => ({ seq, msgid, content: content ?? msgid, time: seq * 1000 })) });

test("group texts: live, backlog and history merge, duplicates by msgid and seq dropped, ordered by seq", () => {
  const s = new Store();
  s.login(login());
  s.setGroups([{ gid: 7, name: "Hikers", owner: 1, members: 3, last_seq: 0, read_seq: 0, unread: 0 }]);
  assert.equal(s.addGroupIncoming(groupText(7, 2, [[3, "c"], [4, "d"]])), 2);
  assert.equal(s.addGroupIncoming(groupText(7, 2, [[4, "d"]])), 0, "the same text again");
  assert.equal(s.addGroupIncoming(groupText(7, 3, [[4, "other-msgid"]])), 0, "a seq already held");
  s.addGroupHistory(7, [
    { seq: 1, msgid: "a", fromuid: 3, content: "a", time: 1 },
    { seq: 2, msgid: "b", fromuid: 1, content: "b", time: 2 },
    { seq: 3, msgid: "c", fromuid: 2, content: "c", time: 3 },
  ]);
  const group = s.groups.get(7);
  assert.deepEqual(group.messages.map((m) => m.seq), [1, 2, 3, 4]);
  assert.deepEqual(group.messages.map((m) => m.out), [false, true, false, false]);
  assert.equal(s.groupOldestSeq(7), 1);
  assert.equal(s.groupHasOlder(7), false);
  assert.equal(s.conversations.size, 0, "group texts stay out of the private conversations");
});

test("group history pages go before what is held; hasOlder until seq 1", () => {
  const s = new Store();
  s.login(login());
  s.addGroupHistory(7, Array.from({ length: 3 }, (_, i) => ({ seq: 8 + i, msgid: `m${8 + i}`, fromuid: 2, content: "x", time: 8 + i })));
  assert.equal(s.groupOldestSeq(7), 8);
  assert.equal(s.groupHasOlder(7), true);
  s.addGroupHistory(7, Array.from({ length: 7 }, (_, i) => ({ seq: 1 + i, msgid: `m${1 + i}`, fromuid: 3, content: "x", time: 1 + i })));
  assert.deepEqual(s.groups.get(7).messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(s.groupHasOlder(7), false);
});

test("group outgoing: sending → sent, failed and retried, unsent after a reconnect, no double after the ack", () => {
  const s = new Store();
  s.login(login());
  s.setGroups([{ gid: 7, name: "G", owner: 1, members: 2, last_seq: 5, read_seq: 5, unread: 0 }]);
  const m1 = s.addGroupOutgoing(7, "g1", "hello");
  const m2 = s.addGroupOutgoing(7, "g2", "again");
  assert.equal(s.groupStatus(m1), "sending");
  assert.deepEqual(s.unsentGroups(), [{ gid: 7, texts: [m1, m2] }]);
  s.ackGroupOutgoing(7, [{ msgid: "g1", content: "hello", seq: 6, time: 10 }]);
  assert.equal(s.groupStatus(m1), "sent");
  s.failGroupOutgoing(7, ["g1", "g2"], 1012);
  assert.equal(s.groupStatus(m1), "sent", "stored texts do not fail");
  assert.equal(s.groupStatus(m2), "failed");
  assert.deepEqual(s.unsentGroups(), []);
  s.retryGroupOutgoing(7, "g2");
  assert.equal(s.groupStatus(m2), "sending");
  s.addGroupHistory(7, [{ seq: 7, msgid: "g2", fromuid: 1, content: "again", time: 11 }]);
  assert.equal(s.groupStatus(m2), "sent");
  assert.equal(s.groups.get(7).messages.length, 2);
  assert.equal(s.groupUnread(7), 0, "my own texts are never unread");
});

test("group unread: the listed count, texts after it, read marks, no double count of the backlog", () => {
  const s = new Store();
  s.login(login());
  // the backlog (1135) can come before or after the list (1142); the seqs decide what is counted
  s.addGroupIncoming(groupText(7, 2, [[9, "i"], [10, "j"]]));
  assert.equal(s.groupUnread(7), 2);
  s.setGroups([{ gid: 7, name: "G", owner: 2, members: 3, last_seq: 10, read_seq: 6, unread: 4 }]);
  assert.equal(s.groupUnread(7), 4, "the server's count covers seqs up to 10");
  s.addGroupIncoming(groupText(7, 3, [[11, "k"]]));
  assert.equal(s.groupUnread(7), 5);
  assert.equal(s.totalUnread(), 5);
  assert.deepEqual(s.groupReadDue(7), { gid: 7, seq: 11 });
  assert.equal(s.groupReadDue(7), null, "a read mark is sent once");
  assert.equal(s.groupUnread(7), 0);
  s.addGroupIncoming(groupText(7, 3, [[12, "l"]]));
  assert.equal(s.groupUnread(7), 1);
  // the list again (a reconnect) with the server's mark behind mine: mine holds
  s.setGroups([{ gid: 7, name: "G", owner: 2, members: 3, last_seq: 12, read_seq: 6, unread: 6 }]);
  assert.equal(s.groupUnread(7), 1, "read up to 11: only 12 is unread");
  s.setGroups([{ gid: 7, name: "G", owner: 2, members: 3, last_seq: 12, read_seq: 12, unread: 0 }]);
  assert.equal(s.groupUnread(7), 0);
});

test("group read marks survive a reload (seeded), and a group left is dropped from the list", () => {
  const s = new Store();
  s.login(login());
  s.addGroupIncoming(groupText(7, 2, [[1, "a"], [2, "b"]]));
  s.groupReadDue(7);
  const marks = s.groupReadMarks();
  assert.deepEqual(marks, { 7: 2 });
  const t = new Store();
  t.login(login());
  t.seedGroupReadMarks(JSON.parse(JSON.stringify(marks)));
  assert.equal(t.groups.size, 0, "a seeded mark makes no group appear");
  t.addGroupIncoming(groupText(7, 2, [[2, "b"], [3, "c"]]));
  assert.equal(t.groupUnread(7), 1);
  t.setGroups([{ gid: 8, name: "Other", owner: 1, members: 2, last_seq: 0, read_seq: 0, unread: 0 }]);
  assert.deepEqual([...t.groups.keys()], [8]);
});

test("a seeded read mark the server's list does not show yet is sent again; one it shows is not", () => {
  const s = new Store();
  s.login(login());
  s.seedGroupReadMarks({ 7: 5, 8: 3 });
  s.setGroups([
    { gid: 7, name: "Behind", owner: 1, members: 2, last_seq: 5, read_seq: 2, unread: 3 },
    { gid: 8, name: "Caught up", owner: 1, members: 2, last_seq: 3, read_seq: 3, unread: 0 },
  ]);
  assert.deepEqual(s.groupReadMarksAhead(), [{ gid: 7, seq: 5 }]);
  assert.equal(s.groupUnread(7), 0, "the mark I sent counts before the server shows it");
});

test("group info, roles and what I may do", () => {
  const s = new Store();
  s.login(login());
  s.setGroupInfo({ error: 0, gid: 7, name: "G", owner: 9, members: [
    { uid: 9, name: "owner", nick: "O", role: "owner", online: true },
    { uid: 1, name: "me", role: "admin" },
    { uid: 2, name: "b", nick: "Bnick", role: "member" },
    { uid: 4, name: "d", role: "admin" },
  ] });
  assert.equal(s.myRole(7), "admin");
  assert.deepEqual(s.memberOrder(7).map((m) => m.uid), [9, 4, 1, 2], "owner, admins by name (d, Me), members");
  assert.equal(s.memberName(7, 2), "bee", "a friend goes by my name for them");
  assert.equal(s.memberName(7, 9), "O");
  assert.equal(s.memberName(7, 55), "#55");
  assert.deepEqual(s.allowed(7, 2), { remove: true, promote: false, demote: false });
  assert.deepEqual(s.allowed(7, 4), { remove: false, promote: false, demote: false }, "an admin cannot act on an admin");
  assert.deepEqual(s.allowed(7, 9), { remove: false, promote: false, demote: false }, "nor on the owner");
  s.setGroupInfo({ error: 0, gid: 8, name: "H", owner: 1, members: [{ uid: 1, name: "me", role: "owner" }, { uid: 2, name: "b", role: "member" }, { uid: 4, name: "d", role: "admin" }] });
  assert.deepEqual(s.allowed(8, 2), { remove: true, promote: true, demote: false });
  assert.deepEqual(s.allowed(8, 4), { remove: true, promote: false, demote: true });
  assert.deepEqual(s.allowed(8, 1), { remove: false, promote: false, demote: false }, "not on myself");
});

test("1131 notices: added, role, renamed, removed, left by the owner, dissolved, removed myself", () => {
  const s = new Store();
  s.login(login());
  s.setGroupInfo({ error: 0, gid: 7, name: "G", owner: 9, members: [{ uid: 9, name: "o", role: "owner" }, { uid: 1, name: "me", role: "member" }] });
  let r = s.applyGroupNotice({ error: 0, gid: 7, kind: "added", uid: 2, by: 9 });
  assert.equal(r.needsInfo, false);
  assert.equal(s.groups.get(7).memberCount, 3);
  assert.equal(s.groups.get(7).members.get(2).role, "member");
  assert.equal(s.groups.get(7).membersStale, true, "names come with the next 1130");
  s.applyGroupNotice({ error: 0, gid: 7, kind: "role", uid: 1, by: 9, role: "admin" });
  assert.equal(s.myRole(7), "admin");
  s.applyGroupNotice({ error: 0, gid: 7, kind: "renamed", uid: 9, by: 9, name: "New name" });
  assert.equal(s.groups.get(7).name, "New name");
  s.applyGroupNotice({ error: 0, gid: 7, kind: "removed", uid: 2, by: 9 });
  assert.equal(s.groups.get(7).memberCount, 2);
  s.groups.get(7).membersStale = false;
  s.applyGroupNotice({ error: 0, gid: 7, kind: "left", uid: 9, by: 9 });
  assert.equal(s.groups.get(7).members.has(9), false);
  assert.equal(s.groups.get(7).membersStale, true, "a new owner: ask again");
  r = s.applyGroupNotice({ error: 0, gid: 7, kind: "removed", uid: 1, by: 4 });
  assert.equal(r.gone, true);
  assert.equal(s.groups.has(7), false, "removed: the group leaves the list");
  // a group I am added to, not known yet: kept, and its info is wanted
  r = s.applyGroupNotice({ error: 0, gid: 8, kind: "added", uid: 1, by: 2 });
  assert.equal(r.needsInfo, true);
  assert.equal(s.groups.has(8), true);
  r = s.applyGroupNotice({ error: 0, gid: 8, kind: "dissolved", uid: 2, by: 2 });
  assert.equal(r.gone, true);
  assert.equal(s.groups.has(8), false);
  // a notice about a group I do not have and that does not concern me keeps nothing
  r = s.applyGroupNotice({ error: 0, gid: 9, kind: "dissolved", uid: 2, by: 2 });
  assert.equal(r.gone, false);
  assert.equal(s.groups.has(9), false);
});

test("groups are ordered by their newest text, then by name; a re-login keeps them, another user does not", () => {
  const s = new Store();
  s.login(login());
  s.setGroups([
    { gid: 1, name: "Bravo", owner: 1, members: 2, last_seq: 0, read_seq: 0, unread: 0 },
    { gid: 2, name: "alpha", owner: 1, members: 2, last_seq: 0, read_seq: 0, unread: 0 },
    { gid: 3, name: "Charlie", owner: 1, members: 2, last_seq: 0, read_seq: 0, unread: 0 },
  ]);
  assert.deepEqual(s.groupOrder().map((g) => g.gid), [2, 1, 3]);
  s.addGroupIncoming(groupText(3, 2, [[1, "x"]]));
  assert.deepEqual(s.groupOrder().map((g) => g.gid), [3, 2, 1]);
  s.login(login());
  assert.equal(s.groups.size, 3);
  s.login(login(9));
  assert.equal(s.groups.size, 0);
});

// --- connection ---
test("framing", () => {
  assert.equal(encode(1005, { uid: 1 }), '{"id":1005,"body":{"uid":1}}');
  assert.deepEqual(decode('{"id":1006,"body":{"error":0}}'), { id: 1006, body: { error: 0 } });
  assert.equal(decode("nope"), null);
  assert.equal(decode('{"body":{}}'), null);
});

test("back-off grows, is capped and jittered", () => {
  assert.equal(backoffDelay(0, { random: () => 0 }), 500);
  assert.equal(backoffDelay(0, { random: () => 1 }), 1000);
  assert.equal(backoffDelay(3, { random: () => 0 }), 4000);
  assert.equal(backoffDelay(30, { random: () => 1 }), BACKOFF_CAP_MS);
  assert.equal(backoffDelay(30, { random: () => 0 }), BACKOFF_CAP_MS / 2);
});

class FakeClock {
  constructor() { this.t = 0; this.timers = []; this.next = 1; }
  setTimeout(fn, ms) { const id = this.next++; this.timers.push({ id, at: this.t + ms, fn }); return id; }
  setInterval(fn, ms) { const id = this.next++; this.timers.push({ id, at: this.t + ms, fn, every: ms }); return id; }
  clearTimeout(id) { this.timers = this.timers.filter((x) => x.id !== id); }
  clearInterval(id) { this.clearTimeout(id); }
  advance(ms) {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.t = due.at;
      if (due.every) due.at += due.every; else this.timers.shift();
      due.fn();
    }
    this.t = end;
  }
}

function harness() {
  const clock = new FakeClock();
  const sockets = [];
  class FakeSocket {
    constructor(url) { this.url = url; this.sent = []; this.closed = false; sockets.push(this); }
    send(text) { this.sent.push(JSON.parse(text)); }
    close() { this.closed = true; }
    open() { this.onopen?.(); }
    receive(id, body) { this.onmessage?.({ data: encode(id, body) }); }
    drop() { this.closed = true; this.onclose?.(); }
  }
  const conn = new Connection({ url: "ws://a/ws", uid: 1, token: "t1", WebSocketImpl: FakeSocket, timers: clock, now: () => clock.t, random: () => 0.5 });
  const events = [];
  conn.on("state", (s, d) => events.push([s, d]));
  conn.on("message", (id, body) => events.push([id, body]));
  conn.on("auth-failed", (code) => events.push(["auth-failed", code]));
  return { clock, sockets, conn, events, last: () => sockets[sockets.length - 1] };
}

test("login, heartbeat, drop, back-off, re-login", () => {
  const h = harness();
  h.conn.start();
  h.last().open();
  assert.deepEqual(h.last().sent[0], { id: 1005, body: { uid: 1, token: "t1" } });
  h.last().receive(1006, { error: 0, uid: 1 });
  assert.equal(h.conn.state, "online");
  h.clock.advance(HEARTBEAT_MS);
  assert.deepEqual(h.last().sent[1], { id: 1023, body: { fromuid: 1 } });
  h.last().receive(1024, { error: 0 });
  h.last().drop();
  assert.equal(h.conn.state, "waiting");
  assert.equal(h.sockets.length, 1);
  h.clock.advance(750); // attempt 0 with random 0.5: 750 ms
  assert.equal(h.sockets.length, 2);
  h.last().drop(); // refused
  const waits = h.events.filter(([s]) => s === "waiting").map(([, d]) => d.delay);
  assert.deepEqual(waits, [750, 1500]);
  h.clock.advance(1500);
  h.last().open();
  h.last().receive(1006, { error: 0, uid: 1 });
  assert.equal(h.conn.state, "online");
  assert.equal(h.conn.attempt, 0);
});

test("silence beyond the limit drops the link", () => {
  const h = harness();
  h.conn.start();
  h.last().open();
  h.last().receive(1006, { error: 0 });
  h.clock.advance(SILENCE_LIMIT_MS + HEARTBEAT_MS);
  assert.equal(h.sockets[0].closed, true);
  assert.ok(["waiting", "connecting"].includes(h.conn.state));
});

test("kicked, logged out and refused tokens stop for good", () => {
  for (const [id, body, reason] of [[1021, { error: 0, uid: 1 }, "kicked"], [1116, { error: 0 }, "logout"], [1006, { error: 1010 }, "auth"]]) {
    const h = harness();
    h.conn.start();
    h.last().open();
    if (id !== 1006) h.last().receive(1006, { error: 0 });
    h.last().receive(id, body);
    assert.equal(h.conn.state, "stopped");
    assert.equal(h.conn.stopReason, reason);
    h.clock.advance(120_000);
    assert.equal(h.sockets.length, 1, `${reason}: no reconnect`);
  }
});

test("1119 moves to the new node with the new token at once", () => {
  const h = harness();
  h.conn.start();
  h.last().open();
  h.last().receive(1006, { error: 0 });
  h.last().receive(1119, { error: 0, uid: 1, node: "chat-2", host: "h", port: "8092", token: "t2", ws: "ws://b/ws" });
  assert.equal(h.sockets.length, 2);
  assert.equal(h.sockets[0].closed, true);
  assert.equal(h.last().url, "ws://b/ws");
  h.last().open();
  assert.deepEqual(h.last().sent[0], { id: 1005, body: { uid: 1, token: "t2" } });
});

test("a node that never answers 1006 is given up after the connect timeout", () => {
  const h = harness();
  h.conn.start();
  h.last().open();
  h.clock.advance(10_000);
  assert.equal(h.sockets[0].closed, true);
  assert.equal(h.conn.state, "waiting");
});

let failed = 0;
for (const [name, fn] of tests) {
  try {
    fn();
    console.log(`ok   ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}\n${error.stack}`);
  }
}
if (failed) process.exit(1);
console.log("OK");
