#!/usr/bin/env python3
"""The fault lab's traffic: one connection (or datagram) and how it ended, and a UDP echo server.

    probe.py tcp SPORT DST DPORT TIMEOUT   -> one JSON line: {"outcome": ..., "answeredBy": ..., "error": ...}
    probe.py udp SPORT DST DPORT TIMEOUT   (same; the datagram is "ping", the answer "hello from <pod>")
    probe.py udp-server PORT NAME          (answers every datagram with "hello from NAME")

outcome: "answered" (the pod's answer came back), "refused" (ECONNREFUSED: a TCP RST or an ICMP port
unreachable), "unreachable" (EHOSTUNREACH/ENETUNREACH: an ICMP host/net unreachable), "reset" (the
connection opened and was reset), "timed-out" (nothing came back within TIMEOUT seconds).
The TCP request is HTTP/1.0 to the lab's http.server, whose body names the pod ("hello from a1").
"""
from __future__ import annotations

import errno
import json
import socket
import sys


def outcome_of(err: OSError) -> str:
    if isinstance(err, socket.timeout):
        return 'timed-out'
    if err.errno == errno.ECONNREFUSED:
        return 'refused'
    if err.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return 'unreachable'
    if err.errno in (errno.ECONNRESET, errno.EPIPE):
        return 'reset'
    return f'error:{errno.errorcode.get(err.errno or 0, err.errno)}'


def answered_by(body: bytes) -> str | None:
    text = body.decode(errors='replace')
    for line in text.splitlines():
        if line.startswith('hello from '):
            return line[len('hello from '):].strip()
    return None


def tcp(sport: int, dst: str, dport: int, timeout: float) -> dict:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', sport))
    s.settimeout(timeout)
    try:
        s.connect((dst, dport))
        s.sendall(f'GET / HTTP/1.0\r\nHost: {dst}\r\n\r\n'.encode())
        body = b''
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            body += chunk
        who = answered_by(body)
        return {'outcome': 'answered' if who else 'reset', 'answeredBy': who, 'error': None}
    except OSError as e:
        return {'outcome': outcome_of(e), 'answeredBy': None, 'error': str(e)}
    finally:
        s.close()


def udp(sport: int, dst: str, dport: int, timeout: float) -> dict:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', sport))
    s.settimeout(timeout)
    try:
        # Connected, so an ICMP error for the datagram comes back as this socket's error.
        s.connect((dst, dport))
        s.send(b'ping\n')
        who = answered_by(s.recv(4096))
        return {'outcome': 'answered' if who else 'reset', 'answeredBy': who, 'error': None}
    except OSError as e:
        return {'outcome': outcome_of(e), 'answeredBy': None, 'error': str(e)}
    finally:
        s.close()


def udp_server(port: int, name: str) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('0.0.0.0', port))
    while True:
        _, peer = s.recvfrom(4096)
        s.sendto(f'hello from {name}\n'.encode(), peer)


if __name__ == '__main__':
    mode = sys.argv[1]
    if mode == 'udp-server':
        udp_server(int(sys.argv[2]), sys.argv[3])
    elif mode in ('tcp', 'udp'):
        sport, dst, dport, timeout = int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
        result = (tcp if mode == 'tcp' else udp)(sport, dst, dport, timeout)
        print(json.dumps(result))
    else:
        sys.exit(f'probe.py: unknown mode {mode}')
