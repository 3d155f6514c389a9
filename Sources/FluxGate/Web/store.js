// Client state, no DOM, no network: me, friends (presence), pending requests, conversations (live texts,
// backlog and history merged; duplicates dropped by msgid and seq), unread counts, receipts.

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
    const conv = this.conversation(peer);
    const first = conv.messages.find((m) => m.seq != null);
    return first ? first.seq : null;
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
}
