// The chat session over a WebSocket (one text message = {"id", "body"} = one TCP frame): login (1005),
// heartbeat (1023 every 10 s; the node closes after 20 s of silence), reconnect with capped, jittered
// exponential back-off. Stops for good on 1021 (replaced), 1116 (logged out), 1010/1011 (token refused);
// 1119 (node draining) moves to the new node at once.

export const HEARTBEAT_MS = 10_000;
export const SILENCE_LIMIT_MS = 25_000; // nothing heard for this long (not even 1024): the link is dead
export const CONNECT_TIMEOUT_MS = 10_000; // open + 1006 must complete within this time
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 30_000;

export function encode(id, body) {
  return JSON.stringify({ id, body });
}

/// A received text message as {id, body}, or null when it is not one.
export function decode(text) {
  if (typeof text !== "string") return null;
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    return null;
  }
  if (!frame || typeof frame !== "object" || !Number.isInteger(frame.id)) return null;
  const body = frame.body && typeof frame.body === "object" && !Array.isArray(frame.body) ? frame.body : {};
  return { id: frame.id, body };
}

/// "Equal jitter": half the capped delay, plus up to another half at random (a dropped crowd spreads out).
export function backoffDelay(attempt, { base = BACKOFF_BASE_MS, cap = BACKOFF_CAP_MS, random = Math.random } = {}) {
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export class Connection {
  /// `url`, `uid`, `token` from /user_login; the environment can be replaced for tests.
  constructor({ url, uid, token, WebSocketImpl = globalThis.WebSocket, timers = globalThis, now = () => Date.now(), random = Math.random }) {
    Object.assign(this, { url, uid, token, WebSocketImpl, timers, now, random });
    this.ws = null;
    this.state = "idle"; // idle | connecting | online | waiting | stopped
    this.stopReason = null;
    this.attempt = 0;
    this.lastHeard = 0;
    this.listeners = new Map();
    this.retryTimer = null;
    this.connectTimer = null;
    this.heartbeatTimer = null;
  }

  on(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(listener);
    return this;
  }

  emit(type, ...args) {
    for (const listener of this.listeners.get(type) || []) {
      try {
        listener(...args);
      } catch (error) {
        console.error(`flux: ${type} listener failed`, error);
      }
    }
  }

  setState(state, detail = {}) {
    this.state = state;
    this.emit("state", state, detail);
  }

  start() {
    if (this.state === "idle" || this.state === "stopped") {
      this.stopReason = null;
      this.attempt = 0;
      this.open();
    }
  }

  /// Ends the session locally; no reconnect follows. `reason`: logout, kicked, auth, closed.
  stop(reason = "closed") {
    this.clearTimers();
    this.stopReason = reason;
    const ws = this.ws;
    this.ws = null;
    if (ws) this.discard(ws);
    if (this.state !== "stopped") this.setState("stopped", { reason });
  }

  /// While waiting: retry now (back online, or the user asked).
  reconnectNow() {
    if (this.state === "waiting") {
      this.attempt = Math.max(0, this.attempt - 1);
      this.open();
    }
  }

  get online() {
    return this.state === "online";
  }

  /// Sends a request when logged in; returns false (nothing sent) otherwise.
  send(id, body) {
    if (!this.ws || (this.state !== "online" && id !== 1005)) return false;
    try {
      this.ws.send(encode(id, body));
      return true;
    } catch {
      return false;
    }
  }

  open() {
    this.clearTimers();
    if (this.ws) this.discard(this.ws);
    this.setState("connecting", { attempt: this.attempt });
    let ws;
    try {
      ws = new this.WebSocketImpl(this.url);
    } catch (error) {
      console.error("flux: cannot open", this.url, error);
      this.ws = null;
      this.lost();
      return;
    }
    this.ws = ws;
    this.connectTimer = this.timers.setTimeout(() => {
      if (ws === this.ws && this.state === "connecting") this.drop(ws);
    }, CONNECT_TIMEOUT_MS);
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.lastHeard = this.now();
      ws.send(encode(1005, { uid: this.uid, token: this.token }));
    };
    ws.onmessage = (event) => {
      if (ws !== this.ws) return;
      this.lastHeard = this.now();
      const frame = decode(event.data);
      if (frame) this.receive(frame.id, frame.body);
    };
    ws.onclose = () => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.lost();
    };
    ws.onerror = () => {}; // a close event follows
  }

  receive(id, body) {
    switch (id) {
      case 1006:
        if (body.error === 0) {
          this.timers.clearTimeout(this.connectTimer);
          this.attempt = 0;
          this.startHeartbeat();
          this.setState("online");
        } else if (body.error === 1010 || body.error === 1011) {
          this.stop("auth");
          this.emit("auth-failed", body.error);
          return;
        } else if (body.error !== 1020) {
          this.emit("message", id, body);
          this.drop(this.ws); // 1002 / 1014: try again after a pause
          return;
        }
        break;
      case 1021:
        this.emit("message", id, body);
        this.stop("kicked");
        return;
      case 1116:
        this.emit("message", id, body);
        this.stop("logout");
        return;
      case 1119:
        this.emit("message", id, body);
        if (body.error === 0 && typeof body.token === "string" && body.token) {
          this.token = body.token;
          if (typeof body.ws === "string" && body.ws) this.url = body.ws;
          this.emit("moved", { url: this.url, token: this.token });
          this.attempt = 0;
          this.open();
        }
        return;
      default:
        break;
    }
    this.emit("message", id, body);
  }

  startHeartbeat() {
    this.timers.clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = this.timers.setInterval(() => {
      if (!this.ws || this.state !== "online") return;
      if (this.now() - this.lastHeard > SILENCE_LIMIT_MS) {
        this.drop(this.ws);
        return;
      }
      this.send(1023, { fromuid: this.uid });
    }, HEARTBEAT_MS);
  }

  /// Gives up on this socket and schedules a reconnect.
  drop(ws) {
    if (!ws) return;
    this.discard(ws);
    if (ws === this.ws) {
      this.ws = null;
      this.lost();
    }
  }

  discard(ws) {
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close();
    } catch {
      // already closed
    }
  }

  lost() {
    this.clearTimers();
    if (this.state === "stopped") return;
    const delay = backoffDelay(this.attempt, { random: this.random });
    this.attempt += 1;
    this.setState("waiting", { delay, until: this.now() + delay, attempt: this.attempt });
    this.retryTimer = this.timers.setTimeout(() => this.open(), delay);
  }

  clearTimers() {
    this.timers.clearTimeout(this.retryTimer);
    this.timers.clearTimeout(this.connectTimer);
    this.timers.clearInterval(this.heartbeatTimer);
    this.retryTimer = this.connectTimer = this.heartbeatTimer = null;
  }
}
