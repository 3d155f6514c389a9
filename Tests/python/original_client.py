#!/usr/bin/env python3
"""A client written only from the original system's protocol reference: Python's socket, struct, json
and urllib, no Flux code. It plays the whole story for two users against a running Flux:

register (code from the dev outbox) -> HTTP login -> chat login -> search -> friend request -> accept ->
texts both ways -> heartbeat.

Usage: original_client.py --gate http://127.0.0.1:8080 --outbox ./flux-data/outbox
Exits 0 and prints OK when every step answered as the reference says.
"""
import argparse
import glob
import json
import os
import re
import socket
import struct
import urllib.request
import uuid


def post(gate, path, body):
    request = urllib.request.Request(gate + "/" + path, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def code_from_outbox(outbox, email):
    """The newest code mailed to `email`. Call it once the code request was answered: the server writes
    the mail into the outbox (complete, by a rename) before it answers, so it is there or it never came."""
    for path in sorted(glob.glob(os.path.join(outbox, "*.eml")), key=os.path.getmtime, reverse=True):
        text = open(path, encoding="utf-8", newline="").read()
        if ("\r\nTo: %s\r\n" % email) in text or text.startswith("To: %s\r\n" % email):
            match = re.search(r"code is (\d{6})", text)
            if match:
                return match.group(1)
    raise AssertionError("no mail for %s in %s" % (email, outbox))


class Chat:
    """One TCP connection speaking 2-byte id + 2-byte length + JSON body frames."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.buffer = b""
        self.pending = []

    def send(self, msg_id, body):
        data = json.dumps(body).encode("utf-8")
        self.sock.sendall(struct.pack(">HH", msg_id, len(data)) + data)

    def _read_frame(self):
        while True:
            if len(self.buffer) >= 4:
                msg_id, length = struct.unpack(">HH", self.buffer[:4])
                if len(self.buffer) >= 4 + length:
                    body = self.buffer[4:4 + length]
                    self.buffer = self.buffer[4 + length:]
                    return msg_id, json.loads(body.decode("utf-8"))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("connection closed by the server")
            self.buffer += chunk

    def expect(self, msg_id):
        """The next frame with this id; frames with other ids are kept for later."""
        for index, (pending_id, body) in enumerate(self.pending):
            if pending_id == msg_id:
                del self.pending[index]
                return body
        while True:
            got_id, body = self._read_frame()
            if got_id == msg_id:
                return body
            self.pending.append((got_id, body))


def register_and_login(gate, outbox, name):
    email = "%s@example.com" % name
    assert post(gate, "get_varifycode", {"email": email})["error"] == 0
    code = code_from_outbox(outbox, email)
    reply = post(gate, "user_register", {"email": email, "user": name, "passwd": "pw-" + name,
                                         "confirm": "pw-" + name, "icon": ":/res/head_1.jpg", "varifycode": code})
    assert reply["error"] == 0, reply
    login = post(gate, "user_login", {"email": email, "passwd": "pw-" + name})
    assert login["error"] == 0, login
    assert isinstance(login["port"], str), "port must be a string"
    chat = Chat(login["host"], login["port"])
    chat.send(1005, {"uid": login["uid"], "token": login["token"]})
    profile = chat.expect(1006)
    assert profile["error"] == 0 and profile["uid"] == login["uid"] and profile["name"] == name, profile
    assert profile["apply_list"] == [] and profile["friend_list"] == [], profile
    return login["uid"], chat


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gate", required=True)
    parser.add_argument("--outbox", required=True)
    args = parser.parse_args()
    tag = uuid.uuid4().hex[:6]
    a_name, b_name = "pya" + tag, "pyb" + tag

    a_uid, a = register_and_login(args.gate, args.outbox, a_name)
    b_uid, b = register_and_login(args.gate, args.outbox, b_name)

    a.send(1007, {"uid": b_name})
    found = a.expect(1008)
    assert found["error"] == 0 and found["uid"] == b_uid, found
    a.send(1007, {"uid": str(b_uid)})
    assert a.expect(1008)["name"] == b_name

    a.send(1009, {"uid": a_uid, "applyname": a_name, "bakname": "bee", "touid": b_uid})
    assert a.expect(1010)["error"] == 0
    asked = b.expect(1011)
    assert asked["applyuid"] == a_uid and asked["name"] == a_name, asked

    b.send(1013, {"fromuid": b_uid, "touid": a_uid, "back": "ay"})
    accepted = b.expect(1014)
    assert accepted["error"] == 0 and accepted["uid"] == a_uid, accepted
    told = a.expect(1015)
    assert told["fromuid"] == b_uid and told["touid"] == a_uid, told

    a.send(1017, {"fromuid": a_uid, "touid": b_uid, "text_array": [{"msgid": "m1-" + tag, "content": "hello 你好"}]})
    assert a.expect(1018)["error"] == 0
    got = b.expect(1019)
    assert got["fromuid"] == a_uid and got["text_array"][0]["content"] == "hello 你好", got

    b.send(1017, {"fromuid": b_uid, "touid": a_uid, "text_array": [{"msgid": "m2-" + tag, "content": "hi back"}]})
    assert b.expect(1018)["error"] == 0
    got = a.expect(1019)
    assert got["fromuid"] == b_uid and got["text_array"][0]["content"] == "hi back", got

    a.send(1023, {"fromuid": a_uid})
    assert a.expect(1024)["error"] == 0
    print("OK")


if __name__ == "__main__":
    main()
