import { describe, expect, it } from 'vitest';
import { parseProbe } from './probe';
import { probeCommandOf } from './probe-command';
import { splitCommandLine } from '../shell-words';

const argv = (command: string): string[] => splitCommandLine(command)[0]![0]!;

/** The one probe `command` printed `output` for, read from line 2 on (line 1 is the command). */
function probe(command: string | null, output: string) {
  const parsed = parseProbe({ file: 't.txt', text: output, firstLine: 2 }, command === null ? null : argv(command));
  return { probes: parsed.probes, warnings: parsed.warnings ?? [] };
}

function one(command: string | null, output: string) {
  const { probes, warnings } = probe(command, output);
  expect(probes).toHaveLength(1);
  return { ...probes[0]!, warnings };
}

describe('probe command lines', () => {
  it('reads targets, scheme ports, options with values', () => {
    expect(probeCommandOf(argv('curl -k -I --connect-timeout 3 https://10.96.0.10/healthz'))).toMatchObject({ tool: 'curl', proto: 'tcp', targets: [{ host: '10.96.0.10', port: 443 }] });
    expect(probeCommandOf(argv('curl -sS -o /dev/null -w %{http_code} http://[fd00::10]:8080/'))).toMatchObject({ family: 'ipv6', targets: [{ host: 'fd00::10', port: 8080 }], statusCodeOnly: true });
    expect(probeCommandOf(argv('curl 10.96.0.10'))?.targets).toEqual([{ host: '10.96.0.10', port: 80 }]);
    expect(probeCommandOf(argv('wget -qO- -T 2 web.default.svc.cluster.local:8080'))?.targets).toEqual([{ host: 'web.default.svc.cluster.local', port: 8080 }]);
    expect(probeCommandOf(argv('nc -zvw3 10.96.0.10 80'))).toMatchObject({ tool: 'nc', proto: 'tcp', targets: [{ host: '10.96.0.10', port: 80 }] });
    expect(probeCommandOf(argv('nc -u -zv 10.96.0.10 53'))).toMatchObject({ proto: 'udp', targets: [{ host: '10.96.0.10', port: 53 }] });
    expect(probeCommandOf(argv('nc -zv 10.0.0.1 80-82'))?.targets.map((t) => t.port)).toEqual([80, 81, 82]);
    expect(probeCommandOf(argv('telnet 10.96.0.10 8080'))?.targets).toEqual([{ host: '10.96.0.10', port: 8080 }]);
    expect(probeCommandOf(argv('ping -c 3 -W 1 -I eth1 10.244.1.5'))).toMatchObject({ tool: 'ping', proto: 'icmp', via: 'eth1', targets: [{ host: '10.244.1.5', port: null }] });
    expect(probeCommandOf(argv('ping6 -c2 fd00::5'))).toMatchObject({ family: 'ipv6', targets: [{ host: 'fd00::5' }] });
  });

  it('is no probe when nothing is tried: a listener, a proxy, no target', () => {
    expect(probeCommandOf(argv('nc -l 8080'))).toBeNull();
    expect(probeCommandOf(argv('curl -x http://proxy:3128 http://10.0.0.1/'))).toBeNull();
    expect(probeCommandOf(argv('ping'))).toBeNull();
    expect(probeCommandOf(argv('curl --version'))).toBeNull();
  });
});

describe('curl', () => {
  it('7.x and 8.x connect errors', () => {
    expect(one('curl 10.96.0.10:80', 'curl: (7) Failed to connect to 10.96.0.10 port 80: Connection refused')).toMatchObject({ outcome: 'refused', dst: '10.96.0.10', dport: 80, detail: 'Connection refused', line: 2 });
    expect(one('curl 10.96.0.10', 'curl: (7) Failed to connect to 10.96.0.10 port 80 after 3 ms: Connection refused')).toMatchObject({ outcome: 'refused' });
    expect(one('curl 10.96.0.10', 'curl: (28) Failed to connect to 10.96.0.10 port 80 after 5001 ms: Timeout was reached')).toMatchObject({ outcome: 'timed-out' });
    expect(one('curl --connect-timeout 5 10.96.0.10', 'curl: (28) Connection timed out after 5001 milliseconds')).toMatchObject({ outcome: 'timed-out', dst: '10.96.0.10' });
    expect(one('curl 10.244.9.9', 'curl: (7) Failed to connect to 10.244.9.9 port 80: No route to host')).toMatchObject({ outcome: 'unreachable' });
    expect(one('curl 10.244.9.9', 'curl: (7) Failed to connect to 10.244.9.9 port 80 after 0 ms: Network is unreachable')).toMatchObject({ outcome: 'no-route' });
    expect(one('curl 10.96.0.10', "curl: (7) Failed to connect to 10.96.0.10 port 80 after 0 ms: Couldn't connect to server")).toMatchObject({ outcome: 'failed', detail: "Couldn't connect to server" });
    expect(one('curl 10.96.0.10', 'curl: (56) Recv failure: Connection reset by peer')).toMatchObject({ outcome: 'reset' });
    expect(one('curl http://web/', 'curl: (6) Could not resolve host: web')).toMatchObject({ outcome: 'name-not-resolved', dst: null, target: 'web' });
    expect(one('curl -k https://10.96.0.10', 'curl: (35) OpenSSL/3.0.11: error:0A00010B:SSL routines::wrong version number')).toMatchObject({ outcome: 'answered', dport: 443 });
  });

  it('an answer: headers with -I, a body, -w status codes', () => {
    expect(one('curl -I 172.18.0.2', 'HTTP/1.1 200 OK\nServer: nginx/1.25.3\nContent-Type: text/html\n')).toMatchObject({ outcome: 'answered', detail: 'HTTP/1.1 200 OK' });
    const body = one('curl -s http://10.96.0.12/', '<html><body>hello</body></html>\n<p>more</p>');
    expect(body).toMatchObject({ outcome: 'answered', evidence: [{ line: 2, text: '<html><body>hello</body></html>' }] });
    expect(body.warnings).toEqual([]);
    expect(one("curl -s -o /dev/null -w '%{http_code}' 10.96.0.10", '000')).toMatchObject({ outcome: 'unknown' });
    expect(one("curl -s -o /dev/null -w '%{http_code}' 10.96.0.10", '503')).toMatchObject({ outcome: 'answered', detail: 'HTTP status 503' });
  });

  it('-v: the address a name resolved to, the connect failure', () => {
    const p = one('curl -v http://web.default.svc.cluster.local/', [
      '*   Trying 10.96.0.10:80...',
      '* connect to 10.96.0.10 port 80 failed: Connection refused',
      '* Failed to connect to web.default.svc.cluster.local port 80 after 1 ms: Couldn\'t connect to server',
      '* Closing connection 0',
      'curl: (7) Failed to connect to web.default.svc.cluster.local port 80 after 1 ms: Couldn\'t connect to server',
    ].join('\n'));
    // curl 8's last word is vaguer than the connect line: the connect line's errno stays.
    expect(p).toMatchObject({ target: 'web.default.svc.cluster.local', dst: '10.96.0.10', dport: 80, outcome: 'refused', detail: 'Connection refused' });
    expect(p.evidence[0]).toEqual({ line: 3, text: '* connect to 10.96.0.10 port 80 failed: Connection refused' });
  });

  it('progress meter lines are curl\'s own', () => {
    const p = one('curl 10.96.0.10', [
      '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current',
      '                                 Dload  Upload   Total   Spent    Left  Speed',
      '  0     0    0     0    0     0      0      0 --:--:--  0:00:05 --:--:--     0',
      'curl: (28) Connection timed out after 5001 milliseconds',
    ].join('\n'));
    expect(p).toMatchObject({ outcome: 'timed-out', line: 5, warnings: [] });
  });
});

describe('wget', () => {
  it('GNU wget', () => {
    expect(one('wget http://10.96.0.10/', '--2026-12-08 02:00:00--  http://10.96.0.10/\nConnecting to 10.96.0.10:80... failed: Connection refused.')).toMatchObject({ outcome: 'refused', detail: 'Connection refused', line: 3 });
    const named = one('wget -T 2 http://web:8080/', [
      '--2026-12-08 02:00:00--  http://web:8080/',
      'Resolving web (web)... 10.96.0.13',
      'Connecting to web (web)|10.96.0.13|:8080... failed: Connection timed out.',
      'Retrying.',
    ].join('\n'));
    expect(named).toMatchObject({ outcome: 'timed-out', target: 'web', dst: '10.96.0.13', dport: 8080, warnings: [] });
    expect(one('wget http://10.96.0.10/', [
      '--2026-12-08 02:00:00--  http://10.96.0.10/',
      'Connecting to 10.96.0.10:80... connected.',
      'HTTP request sent, awaiting response... 200 OK',
      'Length: 615 [text/html]',
      "Saving to: 'index.html'",
      '',
      "index.html          100%[===================>]     615  --.-KB/s    in 0s",
      '',
      "2026-12-08 02:00:00 (58.6 MB/s) - 'index.html' saved [615/615]",
    ].join('\n'))).toMatchObject({ outcome: 'answered', detail: '200 OK', warnings: [] });
    expect(one('wget http://nosuch/', '--2026-12-08 02:00:00--  http://nosuch/\nResolving nosuch (nosuch)... failed: Name or service not known.\nwget: unable to resolve host address \'nosuch\'')).toMatchObject({ outcome: 'name-not-resolved', dst: null });
  });

  it('BusyBox wget', () => {
    expect(one('wget -qO- 10.96.0.10', "wget: can't connect to remote host (10.96.0.10): Connection refused")).toMatchObject({ outcome: 'refused', dst: '10.96.0.10', dport: 80 });
    expect(one('wget -T 2 -qO- 10.96.0.10', 'wget: download timed out')).toMatchObject({ outcome: 'timed-out' });
    expect(one('wget web', "wget: bad address 'web'")).toMatchObject({ outcome: 'name-not-resolved' });
    expect(one('wget -O- http://web/', "Connecting to web (10.96.0.10:80)\nwget: server returned error: HTTP/1.1 503 Service Unavailable")).toMatchObject({ outcome: 'answered', dst: '10.96.0.10' });
  });
});

describe('nc and telnet', () => {
  it('OpenBSD nc', () => {
    expect(one('nc -zv 10.96.0.10 80', 'Connection to 10.96.0.10 80 port [tcp/http] succeeded!')).toMatchObject({ outcome: 'answered' });
    expect(one('nc -zv 10.96.0.10 80', 'nc: connect to 10.96.0.10 port 80 (tcp) failed: Connection refused')).toMatchObject({ outcome: 'refused' });
    expect(one('nc -zvw2 10.96.0.10 80', 'nc: connect to 10.96.0.10 port 80 (tcp) timed out: Operation now in progress')).toMatchObject({ outcome: 'timed-out' });
    expect(one('nc -u -zv 10.96.0.10 53', 'Connection to 10.96.0.10 53 port [udp/domain] succeeded!')).toMatchObject({ outcome: 'unknown', proto: 'udp' });
    expect(one('nc -zv nosuch 80', 'nc: getaddrinfo for host "nosuch" port 80: Name or service not known')).toMatchObject({ outcome: 'name-not-resolved' });
  });

  it('a port range: one probe a port, each line to its port', () => {
    const { probes } = probe('nc -zv 10.0.0.1 80-81', 'Connection to 10.0.0.1 80 port [tcp/http] succeeded!\nnc: connect to 10.0.0.1 port 81 (tcp) failed: Connection refused');
    expect(probes.map((p) => [p.dport, p.outcome])).toEqual([[80, 'answered'], [81, 'refused']]);
  });

  it('traditional nc, ncat, BusyBox nc', () => {
    expect(one('nc -zv 10.96.0.10 80', '10.96.0.10: inverse host lookup failed: Unknown host\n(UNKNOWN) [10.96.0.10] 80 (http) : Connection refused')).toMatchObject({ outcome: 'refused', warnings: [] });
    expect(one('nc -zv 10.96.0.10 80', '(UNKNOWN) [10.96.0.10] 80 (http) open')).toMatchObject({ outcome: 'answered' });
    expect(one('ncat -zv 10.96.0.10 80', 'Ncat: Version 7.93 ( https://nmap.org/ncat )\nNcat: Connection refused.')).toMatchObject({ outcome: 'refused', warnings: [] });
    expect(one('ncat -zv 10.96.0.10 80', 'Ncat: Version 7.93 ( https://nmap.org/ncat )\nNcat: Connected to 10.96.0.10:80.\nNcat: 0 bytes sent, 0 bytes received in 0.01 seconds.')).toMatchObject({ outcome: 'answered' });
    expect(one('nc 10.96.0.10 80', "nc: can't connect to remote host (10.96.0.10): Connection refused")).toMatchObject({ outcome: 'refused' });
  });

  it('telnet', () => {
    expect(one('telnet 10.96.0.10 80', "Trying 10.96.0.10...\ntelnet: Unable to connect to remote host: Connection refused")).toMatchObject({ outcome: 'refused', dst: '10.96.0.10', dport: 80 });
    expect(one('telnet web 80', "Trying 10.96.0.10...\nConnected to web.\nEscape character is '^]'.\nSSH-2.0-OpenSSH_9.2\nConnection closed by foreign host.")).toMatchObject({ outcome: 'answered', dst: '10.96.0.10', warnings: [] });
    expect(one('telnet 10.96.0.10 80', "telnet: can't connect to remote host (10.96.0.10): Connection timed out")).toMatchObject({ outcome: 'timed-out' });
  });
});

describe('ping', () => {
  it('iputils: answered, counts', () => {
    const p = one('ping -c 3 10.244.1.5', [
      'PING 10.244.1.5 (10.244.1.5) 56(84) bytes of data.',
      '64 bytes from 10.244.1.5: icmp_seq=1 ttl=63 time=0.123 ms',
      '64 bytes from 10.244.1.5: icmp_seq=2 ttl=63 time=0.098 ms',
      '64 bytes from 10.244.1.5: icmp_seq=3 ttl=63 time=0.101 ms',
      '',
      '--- 10.244.1.5 ping statistics ---',
      '3 packets transmitted, 3 received, 0% packet loss, time 2030ms',
      'rtt min/avg/max/mdev = 0.098/0.107/0.123/0.011 ms',
    ].join('\n'));
    expect(p).toMatchObject({ outcome: 'answered', proto: 'icmp', sent: 3, received: 3, warnings: [] });
  });

  it('iputils: all lost is a timeout; an ICMP error names its router', () => {
    expect(one('ping -c 3 -W 1 10.244.1.5', 'PING 10.244.1.5 (10.244.1.5) 56(84) bytes of data.\n\n--- 10.244.1.5 ping statistics ---\n3 packets transmitted, 0 received, 100% packet loss, time 2043ms')).toMatchObject({ outcome: 'timed-out', sent: 3, received: 0 });
    const u = one('ping -c 3 10.244.1.5', [
      'PING 10.244.1.5 (10.244.1.5) 56(84) bytes of data.',
      'From 10.0.0.1 icmp_seq=1 Destination Host Unreachable',
      'From 10.0.0.1 icmp_seq=2 Destination Host Unreachable',
      '',
      '--- 10.244.1.5 ping statistics ---',
      '3 packets transmitted, 0 received, +2 errors, 100% packet loss, time 2043ms',
      'pipe 3',
    ].join('\n'));
    expect(u).toMatchObject({ outcome: 'unreachable', detail: 'Destination Host Unreachable', reporter: '10.0.0.1', sent: 3, received: 0, warnings: [] });
    expect(one('ping -c 1 10.96.0.10', 'PING 10.96.0.10 (10.96.0.10) 56(84) bytes of data.\nFrom 10.0.0.1 icmp_seq=1 Destination Port Unreachable\n\n--- 10.96.0.10 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms')).toMatchObject({ outcome: 'unreachable', detail: 'Destination Port Unreachable' });
    expect(one('ping -c 1 10.9.9.9', 'ping: connect: Network is unreachable')).toMatchObject({ outcome: 'no-route' });
    expect(one('ping -c 1 10.9.9.9', 'PING 10.9.9.9 (10.9.9.9) 56(84) bytes of data.\nping: sendmsg: Operation not permitted\n\n--- 10.9.9.9 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms')).toMatchObject({ outcome: 'not-permitted' });
    expect(one('ping web', 'ping: web: Name or service not known')).toMatchObject({ outcome: 'name-not-resolved', dst: null });
  });

  it('a name resolved by ping, ping6, and -I', () => {
    expect(one('ping -c1 web', 'PING web.default.svc.cluster.local (10.96.0.10) 56(84) bytes of data.\n\n--- web.default.svc.cluster.local ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms')).toMatchObject({ target: 'web', dst: '10.96.0.10', outcome: 'timed-out' });
    expect(one('ping6 -c1 fd00::5', 'PING fd00::5(fd00::5) 56 data bytes\n64 bytes from fd00::5: icmp_seq=1 ttl=64 time=0.050 ms\n\n--- fd00::5 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms')).toMatchObject({ family: 'ipv6', outcome: 'answered' });
    expect(one('ping -c1 -I 10.0.0.2 10.0.0.1', 'PING 10.0.0.1 (10.0.0.1) from 10.0.0.2 : 56(84) bytes of data.\n64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.05 ms\n\n--- 10.0.0.1 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms')).toMatchObject({ via: '10.0.0.2', outcome: 'answered' });
  });

  it('BusyBox ping', () => {
    expect(one('ping -c 2 10.244.1.5', 'PING 10.244.1.5 (10.244.1.5): 56 data bytes\n\n--- 10.244.1.5 ping statistics ---\n2 packets transmitted, 0 packets received, 100% packet loss')).toMatchObject({ outcome: 'timed-out', sent: 2, received: 0 });
    expect(one('ping -c 1 10.244.1.5', 'PING 10.244.1.5 (10.244.1.5): 56 data bytes\n64 bytes from 10.244.1.5: seq=0 ttl=64 time=0.094 ms\n\n--- 10.244.1.5 ping statistics ---\n1 packets transmitted, 1 packets received, 0% packet loss\nround-trip min/avg/max = 0.094/0.094/0.094 ms')).toMatchObject({ outcome: 'answered', warnings: [] });
    expect(one('ping web', "ping: bad address 'web'")).toMatchObject({ outcome: 'name-not-resolved' });
  });
});

describe('what is not read is said', () => {
  it('a line the reader does not understand is a warning at its line', () => {
    const p = one('ping -c 1 10.244.1.5', 'PING 10.244.1.5 (10.244.1.5) 56(84) bytes of data.\nsomething odd\n1 packets transmitted, 1 received, 0% packet loss, time 0ms');
    expect(p.warnings).toEqual([{ line: 3, message: 'not read as ping output: something odd' }]);
    expect(one('nc -zv 10.0.0.1 80', 'hello there').warnings).toEqual([
      { line: 2, message: 'not read as nc output: hello there' },
      { line: 2, message: 'nc to 10.0.0.1 port 80: the output does not show what happened' },
    ]);
  });

  it('an output naming another address than its command is said', () => {
    expect(one('curl 10.0.34.209:2000', 'curl: (7) Failed to connect to 10.0.44.224 port 2000: Connection refused')).toMatchObject({
      dst: '10.0.34.209', outcome: 'refused', warnings: [{ line: 2, message: 'the output names 10.0.44.224, the command 10.0.34.209: read as the command\'s target' }],
    });
  });

  it('bad input is an error at its line: no probe\'s line without a command, a port out of range', () => {
    expect(() => probe(null, 'hello\nworld')).toThrow('t.txt:2: not the output of curl, wget, nc, telnet or ping: hello');
    expect(() => probe(null, '\n\n')).toThrow('t.txt:2: empty input');
    expect(() => probe('nc -zv 10.0.0.1 80', 'nc: connect to 10.0.0.1 port 0 (tcp) failed: Connection refused')).toThrow('t.txt:2: port 0 out of range');
  });

  it('without its command, the output names its target', () => {
    expect(one(null, 'PING 10.244.1.5 (10.244.1.5) 56(84) bytes of data.\n\n--- 10.244.1.5 ping statistics ---\n2 packets transmitted, 0 received, 100% packet loss, time 1001ms')).toMatchObject({ tool: 'ping', dst: '10.244.1.5', outcome: 'timed-out' });
    expect(one(null, 'curl: (7) Failed to connect to 10.96.0.10 port 80 after 0 ms: Connection refused')).toMatchObject({ tool: 'curl', dst: '10.96.0.10', dport: 80, outcome: 'refused' });
    expect(one(null, 'nc: connect to 10.96.0.10 port 443 (tcp) failed: Connection refused')).toMatchObject({ tool: 'nc', dst: '10.96.0.10', dport: 443 });
  });
});
