#!/usr/bin/env python3
"""Ad-hoc relay measurement: P friend pairs, each sender pipelines texts with a window of W unacknowledged,
for D seconds; counts 1018 acknowledgements (stored) and 1019 deliveries. Plain socket/struct/json."""
import json, socket, struct, sys, threading, time, urllib.request, glob, os, re, uuid

gate, outbox, pairs, window, duration = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])

def post(path, body):
    r = urllib.request.Request(gate + "/" + path, data=json.dumps(body).encode(), method="POST")
    return json.loads(urllib.request.urlopen(r, timeout=30).read())

def code(email):
    for _ in range(200):
        for p in sorted(glob.glob(os.path.join(outbox, "*.eml")), key=os.path.getmtime, reverse=True):
            t = open(p, encoding="utf-8", newline="").read()
            if ("\r\nTo: %s\r\n" % email) in t:
                return re.search(r"code is (\d{6})", t).group(1)
        time.sleep(0.05)

class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, int(port))); self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1); self.buf = b""
    def send(self, i, body):
        d = json.dumps(body).encode(); self.s.sendall(struct.pack(">HH", i, len(d)) + d)
    def read(self):
        while True:
            if len(self.buf) >= 4:
                i, n = struct.unpack(">HH", self.buf[:4])
                if len(self.buf) >= 4 + n:
                    b = self.buf[4:4+n]; self.buf = self.buf[4+n:]; return i, b
            c = self.s.recv(1 << 16)
            if not c: raise EOFError
            self.buf += c

def user(name):
    email = name + "@bench.test"
    post("get_varifycode", {"email": email}); c = code(email)
    post("user_register", {"email": email, "user": name, "passwd": "pw", "confirm": "pw", "icon": "", "varifycode": c})
    l = post("user_login", {"email": email, "passwd": "pw"})
    conn = Conn(l["host"], l["port"]); conn.send(1005, {"uid": l["uid"], "token": l["token"]})
    while conn.read()[0] != 1103: pass
    return l["uid"], conn

tag = uuid.uuid4().hex[:5]
users = [(user("s%s%d" % (tag, i)), user("r%s%d" % (tag, i))) for i in range(pairs)]
for (su, sc), (ru, rc) in users:
    sc.send(1009, {"applyname": "s", "bakname": "r", "touid": ru})
    while sc.read()[0] != 1010: pass
    rc.send(1013, {"touid": su, "back": "s"})
    while rc.read()[0] != 1014: pass

acked = [0]; delivered = [0]; lock = threading.Lock(); stop = time.time() + duration
def sender(su, sc, ru):
    sent = 0; inflight = 0; n = 0
    while time.time() < stop:
        while inflight < window:
            sc.send(1017, {"fromuid": su, "touid": ru, "text_array": [{"msgid": "%d" % n, "content": "hello %d" % n}]}); n += 1; inflight += 1
        i, _ = sc.read()
        if i == 1018:
            inflight -= 1
            with lock: acked[0] += 1
def receiver(rc):
    rc.s.settimeout(duration + 5)
    try:
        while True:
            i, _ = rc.read()
            if i == 1019:
                with lock: delivered[0] += 1
    except Exception:
        pass
threads = [threading.Thread(target=sender, args=(su, sc, ru)) for (su, sc), (ru, rc) in users]
threads += [threading.Thread(target=receiver, args=(rc,), daemon=True) for _, (ru, rc) in users]
start = time.time()
for t in threads: t.start()
for t in threads[:pairs]: t.join()
elapsed = time.time() - start
time.sleep(1)
print(json.dumps({"pairs": pairs, "window": window, "seconds": round(elapsed, 2), "stored_per_s": round(acked[0] / elapsed), "delivered_per_s": round(delivered[0] / elapsed)}))
