#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The peers every socket tutorial writes, as independent counterparts of Outpost's Console.

Servers print their port on the first line of stdout, then serve until killed:
  tutorial.py greet-server      threaded TCP: "Welcome." then "hello, NAME." per line
  tutorial.py time-server       TCP: each message back as "[ctime] message"
  tutorial.py udp-echo-server   UDP: each datagram back
  tutorial.py gopher-server     TCP: one RFC 1436 selector line, then a menu and ".";
                                the empty selector gets "iWelcome to the test hole"
  tutorial.py telnet-server     TCP: asks DO ECHO and WILL SGA (RFC 854/857/858), says
                                "login: ", then reports the 6 bytes of negotiation it got
                                back as "answer: HEX" and echoes a line
Clients talk to a server of Outpost's and print what they got (exit 1 on a mismatch):
  tutorial.py tcp-client HOST PORT MESSAGE     sends MESSAGE, prints the reply
  tutorial.py udp-client HOST PORT MESSAGE     one datagram, prints the answer
  tutorial.py all-bytes-tcp HOST PORT          0..255 through an echo server, checked
  tutorial.py all-bytes-udp HOST PORT          the same in one datagram
"""

import socket
import socketserver
import sys
import time


class Greet(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"Welcome.\r\n")
        for line in self.rfile:
            name = line.strip().decode("utf-8", "replace")
            self.wfile.write(("hello, %s.\r\n" % name).encode("utf-8"))


class Stamp(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(1024)
            if not data:
                break
            self.request.sendall(("[%s] " % time.ctime()).encode() + data)


class Telnet(socketserver.BaseRequestHandler):
    IAC, WILL, DO = 255, 251, 253

    def handle(self):
        self.request.sendall(bytes([self.IAC, self.DO, 1, self.IAC, self.WILL, 3]) + b"login: ")
        answer = recv_all(self.request, 6)
        self.request.sendall(b"answer: " + answer.hex().encode() + b"\r\n")
        line = self.request.recv(1024)
        self.request.sendall(b"you typed: " + line)


class Gopher(socketserver.StreamRequestHandler):
    def handle(self):
        selector = self.rfile.readline()
        if selector == b"\r\n":
            self.wfile.write(b"iWelcome to the test hole\tfake\t(NULL)\t0\r\n.\r\n")
        else:
            self.wfile.write(b"3Not found\t\terror.host\t1\r\n.\r\n")


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(data, self.client_address)


class Threaded(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(server):
    print(server.server_address[1], flush=True)
    server.serve_forever()


def recv_all(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def main(argv):
    what = argv[1]
    if what == "greet-server":
        serve(Threaded(("127.0.0.1", 0), Greet))
    elif what == "time-server":
        serve(Threaded(("127.0.0.1", 0), Stamp))
    elif what == "gopher-server":
        serve(Threaded(("127.0.0.1", 0), Gopher))
    elif what == "telnet-server":
        serve(Threaded(("127.0.0.1", 0), Telnet))
    elif what == "udp-echo-server":
        serve(socketserver.UDPServer(("127.0.0.1", 0), Echo))
    elif what == "tcp-client":
        with socket.create_connection((argv[2], int(argv[3])), timeout=10) as s:
            s.sendall(argv[4].encode())
            print(s.recv(1024).decode("utf-8", "replace"))
    elif what == "udp-client":
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(10)
            s.sendto(argv[4].encode(), (argv[2], int(argv[3])))
            print(s.recvfrom(65536)[0].decode("utf-8", "replace"))
    elif what == "all-bytes-tcp":
        payload = bytes(range(256))
        with socket.create_connection((argv[2], int(argv[3])), timeout=10) as s:
            s.sendall(payload)
            back = recv_all(s, len(payload))
        if back != payload:
            print("mismatch: %r" % back)
            return 1
        print("ok")
    elif what == "all-bytes-udp":
        payload = bytes(range(256))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(10)
            s.sendto(payload, (argv[2], int(argv[3])))
            back = s.recvfrom(65536)[0]
        if back != payload:
            print("mismatch: %r" % back)
            return 1
        print("ok")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
