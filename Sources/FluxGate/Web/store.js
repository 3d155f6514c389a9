// Client state, no DOM, no network: me, friends (presence), pending requests, conversations (live texts,
// backlog and history merged; duplicates dropped by msgid and seq), unread counts, receipts; groups
// (list, members and roles, texts merged and deduplicated by seq the same way, unread counts, read marks).

const PROFILE_FIELDS = ["uid", "name", "email", "nick", "desc", "sex", "icon"];

function pick(source, fields) {
  const out = {};
  for (const field of fields) if (source[field] !== undefined) out[field] = source[field];
  return out;
}

export function displayName(person) {
  if (!person) return "";
  return person.back || person.nick || person.name || `#${person.uid}`;
}

/// A unique msgid: time + 64 random bits (crypto.randomUUID is missing outside secure contexts).
export function newMsgid(random = globalThis.crypto) {
  const bytes = new Uint8Array(8);
  random.getRandomValues(bytes);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `w${Date.now().toString(36)}-${hex}`;
}

function firstSeq(conv) {
  const first = conv.messages.find((m) => m.seq != null);
  return first ? first.seq : null;
}

function lastSeq(conv) {
  for (let i = conv.messages.length - 1; i >= 0; i -= 1) if (conv.messages[i].seq != null) return conv.messages[i].seq;
  return 0;
}

export const ROLES = ["owner", "admin", "member"];

export class Store {
  constructor() {
    this.listeners = new Set();
    this.localOrder = 0;
    this.reset();
  }

  reset() {
    this.me = null;
    this.friends = new Map();
    this.requests = new Map();
    this.conversations = new Map();
    this.groups = new Map();
    this.groupReadSeeds = new Map(); // gid → read mark kept from before a reload, for groups not listed yet
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(part, detail) {
    for (const listener of this.listeners) listener(part, detail);
  }

  /// A successful 1006. The same user again keeps the conversations (the backlog merges into them).
  login(body) {
    if (!this.me || this.me.uid !== body.uid) this.reset();
    this.me = pick(body, PROFILE_FIELDS);
    this.friends = new Map();
    for (const friend of body.friend_list || []) {
      this.friends.set(friend.uid, { ...friend, online: Boolean(friend.online) });
    }
    this.requests = new Map();
    for (const request of body.apply_list || []) {
      if (request.status === 0 && !this.friends.has(request.uid)) this.requests.set(request.uid, { ...request });
    }
    this.notify("me");
    this.notify("friends");
    this.notify("requests");
  }

  setMe(body) {
    this.me = { ...this.me, ...pick(body, PROFILE_FIELDS) };
    this.notify("me");
  }

  addFriend(friend) {
    const old = this.friends.get(friend.uid) || {};
    this.friends.set(friend.uid, { online: false, ...old, ...friend });
    this.requests.delete(friend.uid);
    this.notify("friends");
    this.notify("requests");
  }

  setOnline(uid, online) {
    const friend = this.friends.get(uid);
    if (!friend) return;
    friend.online = Boolean(online);
    this.notify("friends", uid);
  }

  /// 1111: a friend changed their profile (their `back` — my name for them — stays).
  updateFriend(body) {
    const friend = this.friends.get(body.uid);
    if (!friend) return;
    Object.assign(friend, pick(body, ["name", "nick", "desc", "sex", "icon"]));
    this.notify("friends", body.uid);
  }

  addRequest(request) {
    if (this.friends.has(request.uid) || (this.me && request.uid === this.me.uid)) return;
    this.requests.set(request.uid, { status: 0, ...request });
    this.notify("requests");
  }

  removeRequest(uid) {
    if (this.requests.delete(uid)) this.notify("requests");
  }

  conversation(peer) {
    let conv = this.conversations.get(peer);
    if (!conv) {
      conv = {
        peer,
        messages: [], // sorted: stored ones by seq, then unstored ones in the order written
        byKey: new Map(), // `${fromuid}/${msgid}` → message
        bySeq: new Map(),
        unread: 0,
        peerDelivered: 0, // the peer received my messages up to this seq
        peerRead: 0,
        toldDelivered: 0, // receipts I sent for the peer's messages
        toldRead: 0,
        historyRequested: false,
        loadingOlder: false,
      };
      this.conversations.set(peer, conv);
    }
    return conv;
  }

  sort(conv) {
    conv.messages.sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity) || a.order - b.order);
  }

  /// Merges one stored message; returns it when it is new, null for a duplicate.
  merge(conv, message) {
    const key = `${message.fromuid}/${message.msgid}`;
    const known = conv.byKey.get(key);
    if (known) {
      if (known.seq == null && message.seq != null) {
        Object.assign(known, { seq: message.seq, time: message.time, state: "stored", error: null });
        conv.bySeq.set(known.seq, known);
        this.sort(conv);
      }
      return null;
    }
    if (message.seq != null && conv.bySeq.has(message.seq)) return null;
    const entry = { ...message, key, order: this.localOrder++, out: this.me != null && message.fromuid === this.me.uid };
    conv.byKey.set(key, entry);
    if (entry.seq != null) conv.bySeq.set(entry.seq, entry);
    conv.messages.push(entry);
    this.sort(conv);
    return entry;
  }

  /// A text I am sending (not yet acknowledged).
  addOutgoing(peer, msgid, content) {
    const conv = this.conversation(peer);
    const entry = this.merge(conv, { msgid, content, fromuid: this.me.uid, touid: peer, seq: null, time: Date.now(), state: "sending" });
    this.notify("messages", peer);
    return entry;
  }

  /// 1018 success: the texts are stored with these seqs.
  ackOutgoing(peer, items) {
    const conv = this.conversation(peer);
    for (const item of items) this.merge(conv, { ...item, fromuid: this.me.uid, touid: peer, state: "stored" });
    this.notify("messages", peer);
  }

  failOutgoing(peer, msgids, error) {
    const conv = this.conversation(peer);
    for (const msgid of msgids) {
      const entry = conv.byKey.get(`${this.me.uid}/${msgid}`);
      if (entry && entry.seq == null) Object.assign(entry, { state: "failed", error });
    }
    this.notify("messages", peer);
  }

  retryOutgoing(peer, msgid) {
    const entry = this.conversation(peer).byKey.get(`${this.me.uid}/${msgid}`);
    if (entry && entry.state === "failed") Object.assign(entry, { state: "sending", error: null });
    this.notify("messages", peer);
    return entry;
  }

  /// Unacknowledged texts by peer, oldest first (sent again after a reconnect).
  unsent() {
    const out = [];
    for (const conv of this.conversations.values()) {
      const texts = conv.messages.filter((m) => m.out && m.seq == null && m.state === "sending");
      if (texts.length) out.push({ peer: conv.peer, texts });
    }
    return out;
  }

  /// 1019 (live or backlog); `viewing`: on screen, so not unread.
  /// Returns the number of new messages.
  addIncoming(body, viewing) {
    const peer = body.fromuid;
    const conv = this.conversation(peer);
    let added = 0;
    for (const item of body.text_array || []) {
      const entry = this.merge(conv, { ...item, fromuid: peer, touid: body.touid, state: "stored" });
      if (entry) added += 1;
      // a text I already said I read (the backlog can repeat the last half second) is not unread
      if (entry && !viewing && !(entry.seq <= conv.toldRead)) conv.unread += 1;
    }
    if (added) {
      this.notify("messages", peer);
      this.notify("unread", peer);
    }
    return added;
  }

  /// 1102: a history page, oldest first, with how far the peer has received and read my messages.
  addHistory(peer, messages, marks = {}) {
    const conv = this.conversation(peer);
    for (const m of messages) this.merge(conv, { ...m, state: "stored" });
    conv.peerRead = Math.max(conv.peerRead, marks.peer_read || 0);
    conv.peerDelivered = Math.max(conv.peerDelivered, marks.peer_delivered || 0, conv.peerRead);
    conv.loadingOlder = false;
    this.notify("messages", peer);
  }

  oldestSeq(peer) {
    return firstSeq(this.conversation(peer));
  }

  /// More history exists: seqs start at 1 without gaps.
  hasOlder(peer) {
    const oldest = this.oldestSeq(peer);
    return oldest != null && oldest > 1;
  }

  clearUnread(peer) {
    const conv = this.conversation(peer);
    if (conv.unread) {
      conv.unread = 0;
      this.notify("unread", peer);
    }
  }

  totalUnread() {
    let total = 0;
    for (const conv of this.conversations.values()) total += conv.unread;
    for (const gid of this.groups.keys()) total += this.groupUnread(gid);
    return total;
  }

  /// 1107: `fromuid` received (or read) my messages up to `seq`.
  applyReceipt(fromuid, seq, kind) {
    const conv = this.conversation(fromuid);
    if (kind === "read") conv.peerRead = Math.max(conv.peerRead, seq);
    conv.peerDelivered = Math.max(conv.peerDelivered, kind === "read" ? conv.peerRead : seq);
    this.notify("messages", fromuid);
  }

  /// The status shown under one of my messages.
  status(peer, message) {
    if (message.seq == null) return message.state === "failed" ? "failed" : "sending";
    const conv = this.conversation(peer);
    if (message.seq <= conv.peerRead) return "read";
    if (message.seq <= conv.peerDelivered) return "delivered";
    return "sent";
  }

  /// Receipts due for `peer`'s messages (recorded as sent): "read" while reading, else "delivered".
  receiptsDue(peer, reading) {
    const conv = this.conversation(peer);
    let newest = 0;
    for (const m of conv.messages) if (!m.out && m.seq != null && m.seq > newest) newest = m.seq;
    if (reading && newest > conv.toldRead) {
      conv.toldRead = conv.toldDelivered = newest;
      return [{ peer, seq: newest, kind: "read" }];
    }
    if (newest > conv.toldDelivered) {
      conv.toldDelivered = newest;
      return [{ peer, seq: newest, kind: "delivered" }];
    }
    return [];
  }

  /// Read marks I sent ({peer: seq}), kept across a reload of the page.
  readMarks() {
    const marks = {};
    for (const conv of this.conversations.values()) if (conv.toldRead) marks[conv.peer] = conv.toldRead;
    return marks;
  }

  seedReadMarks(marks) {
    for (const [peer, seq] of Object.entries(marks || {})) {
      const conv = this.conversation(Number(peer));
      conv.toldRead = Math.max(conv.toldRead, seq);
      conv.toldDelivered = Math.max(conv.toldDelivered, seq);
    }
  }

  /// Friends, newest activity first, then by name.
  friendOrder() {
    const last = (uid) => {
      const conv = this.conversations.get(uid);
      if (!conv || !conv.messages.length) return 0;
      return conv.messages[conv.messages.length - 1].time || 0;
    };
    return [...this.friends.values()].sort(
      (a, b) => last(b.uid) - last(a.uid) || displayName(a).localeCompare(displayName(b)),
    );
  }

  // --- groups (1121–1148). A group holds its texts like a conversation (merge: dedupe by msgid and seq).

  group(gid) {
    let group = this.groups.get(gid);
    if (!group) {
      group = {
        gid,
        name: "",
        owner: 0,
        memberCount: 0,
        members: null, // uid → {uid, name, nick, icon, role, online} once 1130 (or 1122) told them
        membersStale: true, // the members changed since: ask 1129 again before showing them
        messages: [],
        byKey: new Map(),
        bySeq: new Map(),
        // the server's counts at the last 1142: texts up to `last`, my read mark, unread among them
        listed: { last: 0, read: 0, unread: 0 },
        toldRead: this.groupReadSeeds.get(gid) || 0, // the read mark I sent (1139)
        historyRequested: false,
        loadingOlder: false,
      };
      this.groups.set(gid, group);
    }
    return group;
  }

  /// 1142: my groups. Groups not in the list are gone (their texts too); listed ones keep their texts.
  setGroups(list) {
    const seen = new Set();
    for (const item of list || []) {
      const group = this.group(item.gid);
      seen.add(item.gid);
      if (typeof item.name === "string") group.name = item.name;
      if (item.owner != null) group.owner = item.owner;
      if (Number.isInteger(item.members)) {
        if (item.members !== group.memberCount || !group.members) group.membersStale = true;
        group.memberCount = item.members;
      }
      group.listed = { last: item.last_seq || 0, read: item.read_seq || 0, unread: item.unread || 0 };
    }
    for (const gid of [...this.groups.keys()]) if (!seen.has(gid)) this.groups.delete(gid);
    this.notify("groups");
  }

  /// 1122 or 1130: a group's name, owner and members.
  setGroupInfo(body) {
    const group = this.group(body.gid);
    if (typeof body.name === "string") group.name = body.name;
    if (body.owner != null) group.owner = body.owner;
    const members = new Map();
    for (const member of body.members || []) {
      members.set(member.uid, { ...member, role: member.role || (member.uid === body.owner ? "owner" : "member"), online: Boolean(member.online) });
    }
    group.members = members;
    group.memberCount = members.size;
    group.membersStale = false;
    this.notify("groups", body.gid);
    this.notify("messages", { gid: body.gid });
    return group;
  }

  removeGroup(gid) {
    if (this.groups.delete(gid)) this.notify("groups", gid);
  }

  /// 1124 / 1128 / 1148 successes and 1131 notices change the members the same way.
  addMembers(gid, uids) {
    const group = this.groups.get(gid);
    if (!group) return;
    for (const uid of uids) {
      if (group.members) {
        if (!group.members.has(uid)) {
          const friend = this.friends.get(uid) || {};
          group.members.set(uid, { uid, name: friend.name || "", nick: friend.nick || "", icon: friend.icon || "", role: "member", online: Boolean(friend.online) });
        }
      } else {
        group.memberCount += 1;
      }
    }
    if (group.members) group.memberCount = group.members.size;
    group.membersStale = true; // names and presence come with the next 1130
    this.notify("groups", gid);
  }

  dropMember(gid, uid) {
    const group = this.groups.get(gid);
    if (!group) return;
    if (group.members) {
      group.members.delete(uid);
      group.memberCount = group.members.size;
    } else {
      group.memberCount = Math.max(0, group.memberCount - 1);
    }
    if (uid === group.owner) group.membersStale = true; // someone else owns it now
    this.notify("groups", gid);
  }

  setRole(gid, uid, role) {
    const group = this.groups.get(gid);
    const member = group && group.members && group.members.get(uid);
    if (member && ROLES.includes(role)) member.role = role;
    if (group) this.notify("groups", gid);
  }

  renameGroup(gid, name) {
    const group = this.groups.get(gid);
    if (!group || typeof name !== "string") return;
    group.name = name;
    this.notify("groups", gid);
  }

  /// 1131. Returns what the screen must do: {gid, kind, gone} (the group is no longer mine: drop it),
  /// {needsInfo} (a group I did not know, or whose members are unknown: ask 1129).
  applyGroupNotice(body) {
    const gid = body.gid;
    const me = this.me ? this.me.uid : null;
    const known = this.groups.has(gid);
    const result = { gid, kind: body.kind, gone: false, needsInfo: false, known };
    if (body.kind === "dissolved" || ((body.kind === "removed" || body.kind === "left") && body.uid === me)) {
      this.removeGroup(gid);
      result.gone = known;
      return result;
    }
    const group = this.group(gid);
    switch (body.kind) {
      case "created":
        if (typeof body.name === "string") group.name = body.name;
        break;
      case "added":
        if (body.uid !== me) this.addMembers(gid, [body.uid]);
        break;
      case "removed":
      case "left":
        this.dropMember(gid, body.uid);
        break;
      case "renamed":
        this.renameGroup(gid, body.name);
        break;
      case "role":
        this.setRole(gid, body.uid, body.role);
        break;
      default:
        break;
    }
    result.needsInfo = !known || !group.name || group.members == null;
    this.notify("groups", gid);
    return result;
  }

  /// 1135 (live or the backlog after login). Returns the number of new texts.
  addGroupIncoming(body) {
    const group = this.group(body.gid);
    let added = 0;
    for (const item of body.text_array || []) {
      if (this.merge(group, { ...item, fromuid: body.fromuid, gid: body.gid, state: "stored" })) added += 1;
    }
    if (added) {
      this.notify("messages", { gid: body.gid });
      this.notify("unread", { gid: body.gid });
    }
    return added;
  }

  /// 1138: a history page, oldest first.
  addGroupHistory(gid, messages) {
    const group = this.group(gid);
    for (const m of messages || []) this.merge(group, { ...m, gid, state: "stored" });
    group.loadingOlder = false;
    this.notify("messages", { gid });
  }

  addGroupOutgoing(gid, msgid, content) {
    const entry = this.merge(this.group(gid), { msgid, content, fromuid: this.me.uid, gid, seq: null, time: Date.now(), state: "sending" });
    this.notify("messages", { gid });
    return entry;
  }

  /// 1134 success.
  ackGroupOutgoing(gid, items) {
    const group = this.group(gid);
    for (const item of items || []) this.merge(group, { ...item, fromuid: this.me.uid, gid, state: "stored" });
    this.notify("messages", { gid });
  }

  failGroupOutgoing(gid, msgids, error) {
    const group = this.groups.get(gid);
    if (!group) return;
    for (const msgid of msgids) {
      const entry = group.byKey.get(`${this.me.uid}/${msgid}`);
      if (entry && entry.seq == null) Object.assign(entry, { state: "failed", error });
    }
    this.notify("messages", { gid });
  }

  retryGroupOutgoing(gid, msgid) {
    const group = this.groups.get(gid);
    const entry = group && group.byKey.get(`${this.me.uid}/${msgid}`);
    if (entry && entry.state === "failed") Object.assign(entry, { state: "sending", error: null });
    this.notify("messages", { gid });
    return entry;
  }

  /// Unacknowledged group texts by group, oldest first (sent again after a reconnect).
  unsentGroups() {
    const out = [];
    for (const group of this.groups.values()) {
      const texts = group.messages.filter((m) => m.out && m.seq == null && m.state === "sending");
      if (texts.length) out.push({ gid: group.gid, texts });
    }
    return out;
  }

  groupStatus(message) {
    if (message.seq == null) return message.state === "failed" ? "failed" : "sending";
    return "sent";
  }

  groupOldestSeq(gid) {
    const group = this.groups.get(gid);
    return group ? firstSeq(group) : null;
  }

  groupHasOlder(gid) {
    const oldest = this.groupOldestSeq(gid);
    return oldest != null && oldest > 1;
  }

  /// My read mark: the one the server listed or the one I sent since, whichever is further.
  groupReadSeq(gid) {
    const group = this.groups.get(gid);
    return group ? Math.max(group.listed.read, group.toldRead) : 0;
  }

  /// Unread texts of others: up to the listed `last` the server's count (less what I read since, the
  /// texts I hold being checked one by one and the others counted as unread), after it the texts held.
  groupUnread(gid) {
    const group = this.groups.get(gid);
    if (!group) return 0;
    const read = this.groupReadSeq(gid);
    const { last, unread } = group.listed;
    let count = 0;
    if (read < last && unread > 0) {
      if (read <= group.listed.read) {
        count += unread;
      } else {
        let mine = 0;
        for (const m of group.messages) if (m.out && m.seq != null && m.seq > read && m.seq <= last) mine += 1;
        count += Math.min(unread, last - read - mine);
      }
    }
    const after = Math.max(read, last);
    for (const m of group.messages) if (!m.out && m.seq != null && m.seq > after) count += 1;
    return count;
  }

  /// The read mark due while the group is on screen (recorded as sent): {gid, seq} or null.
  groupReadDue(gid) {
    const group = this.groups.get(gid);
    if (!group) return null;
    const newest = lastSeq(group);
    if (newest > this.groupReadSeq(gid)) {
      group.toldRead = newest;
      this.notify("unread", { gid });
      return { gid, seq: newest };
    }
    return null;
  }

  /// Group read marks I sent ({gid: seq}), kept across a reload of the page.
  groupReadMarks() {
    const marks = {};
    for (const group of this.groups.values()) if (group.toldRead) marks[group.gid] = group.toldRead;
    return marks;
  }

  /// Read marks I sent that the server's list (1142) does not show yet, e.g. sent just before a reload:
  /// [{gid, seq}] to send again.
  groupReadMarksAhead() {
    const ahead = [];
    for (const group of this.groups.values()) {
      if (group.toldRead > group.listed.read) ahead.push({ gid: group.gid, seq: group.toldRead });
    }
    return ahead;
  }

  seedGroupReadMarks(marks) {
    for (const [key, seq] of Object.entries(marks || {})) {
      const gid = Number(key);
      if (!Number.isInteger(gid) || typeof seq !== "number") continue;
      const group = this.groups.get(gid);
      if (group) group.toldRead = Math.max(group.toldRead, seq);
      else this.groupReadSeeds.set(gid, Math.max(this.groupReadSeeds.get(gid) || 0, seq));
    }
  }

  myRole(gid) {
    const group = this.groups.get(gid);
    if (!group || !this.me) return null;
    const member = group.members && group.members.get(this.me.uid);
    if (member) return member.role;
    return group.owner === this.me.uid ? "owner" : "member";
  }

  /// What I may do to `uid` in `gid`: {remove, promote, demote}.
  allowed(gid, uid) {
    const group = this.groups.get(gid);
    const role = this.myRole(gid);
    const target = group && group.members && group.members.get(uid);
    const none = { remove: false, promote: false, demote: false };
    if (!target || !this.me || uid === this.me.uid || target.role === "owner") return none;
    if (role === "owner") return { remove: true, promote: target.role === "member", demote: target.role === "admin" };
    if (role === "admin") return { ...none, remove: target.role === "member" };
    return none;
  }

  /// A member's name as I see it: my name for a friend, else their nick or name.
  memberName(gid, uid) {
    if (this.me && uid === this.me.uid) return this.me.nick || this.me.name || "You";
    const friend = this.friends.get(uid);
    if (friend) return displayName(friend);
    const group = this.groups.get(gid);
    const member = group && group.members && group.members.get(uid);
    return member ? member.nick || member.name || `#${uid}` : `#${uid}`;
  }

  /// Members: owner, admins, then the others, each by name.
  memberOrder(gid) {
    const group = this.groups.get(gid);
    if (!group || !group.members) return [];
    const rank = (m) => ROLES.indexOf(m.role);
    return [...group.members.values()].sort((a, b) => rank(a) - rank(b) || this.memberName(gid, a.uid).localeCompare(this.memberName(gid, b.uid)));
  }

  /// Groups, newest activity first, then by name.
  groupOrder() {
    const last = (group) => (group.messages.length ? group.messages[group.messages.length - 1].time || 0 : 0);
    return [...this.groups.values()].sort((a, b) => last(b) - last(a) || (a.name || "").localeCompare(b.name || "") || a.gid - b.gid);
  }
}
