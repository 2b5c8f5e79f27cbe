/**
 * Kernel truth for probes: a node namespace with a pod behind a veth, kube-proxy-shaped rules (a ClusterIP DNAT'd
 * to the pod, a service without endpoints rejected in filter/KUBE-SERVICES, a ClusterIP DNAT'd to an address the
 * node has no route to) and an OUTPUT DROP; real curl, nc and ping run on the node against (a) the working service,
 * (b) the no-endpoints REJECT, (c) the DROP, (d) a missing route. Their outputs, with the node's iptables-save,
 * ip addr and ip route, are assembled into a transcript with prompts, as an engineer's terminal shows them; natlens
 * must read each probe's outcome as the tool printed it and name the rule or route that caused it.
 * With NATLENS_WRITE_PROBE_FIXTURES=1 the transcript is written to test/fixtures/probe/lab/ (scripts/lab/make-probe-transcripts.sh),
 * where test/probe-lab-fixture.test.ts checks it without root.
 * Needs root, `ip netns`, curl and nc (netcat-openbsd); skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { importPaths } from '../../src/core/import/import-paths';
import { projectFindings } from '../../src/core/project/findings';
import type { ProjectFinding } from '../../src/core/diagnose/finding';
import type { Store } from '../../src/core/model/store';
import { tempProject } from '../support/temp-project';
import { kernelLabUnavailable, Lab } from './netns';
import { expectProbeFindings, NODE_NAME, PROBES } from '../support/probe-lab';

const missingTool = ['curl', 'nc', 'ping'].find((t) => !['/usr/bin/', '/bin/'].some((dir) => existsSync(`${dir}${t}`)));
const unavailable = kernelLabUnavailable() ?? (missingTool === undefined ? null : `${missingTool} is not installed`);
if (unavailable !== null) console.warn(`probe kernel-truth test skipped: ${unavailable}`);

const NODE = '10.77.1.1';
const POD = '10.77.1.5';

const RULES = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-WEB - [0:0]
:KUBE-SEP-WEB - [0:0]
:KUBE-SVC-MOVED - [0:0]
:KUBE-SEP-MOVED - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB
-A KUBE-SERVICES -d 10.96.0.30/32 -p tcp -m comment --comment "default/moved:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-MOVED
-A KUBE-SVC-WEB -m comment --comment "default/web:http -> ${POD}:8080" -j KUBE-SEP-WEB
-A KUBE-SEP-WEB -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination ${POD}:8080
-A KUBE-SVC-MOVED -m comment --comment "default/moved:http -> 10.55.0.5:8080" -j KUBE-SEP-MOVED
-A KUBE-SEP-MOVED -p tcp -m comment --comment "default/moved:http" -m tcp -j DNAT --to-destination 10.55.0.5:8080
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -d ${POD}/32 -p tcp -m tcp --dport 9000 -j DROP
-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment "default/empty:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
COMMIT
`;

const SERVER = [
  'import socket',
  's = socket.socket()',
  's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
  `s.bind(("${POD}", 8080))`,
  's.listen(16)',
  'while True:',
  '    c, _ = s.accept()',
  '    c.settimeout(1)',
  '    try:',
  '        c.recv(4096)',
  '        c.sendall(b"HTTP/1.0 200 OK\\r\\nServer: lab\\r\\nContent-Length: 3\\r\\n\\r\\nok\\n")',
  '    except OSError:',
  '        pass',
  '    c.close()',
].join('\n');

describe.skipIf(unavailable !== null)('probes run in a network namespace, read and explained by natlens', () => {
  let lab: Lab;
  let transcript = '';
  let store: Store;
  let findings: ProjectFinding[];
  const project = tempProject('probe-lab');

  beforeAll(async () => {
    lab = new Lab();
    lab.addNamespaces(['node', 'pod']);
    lab.script([`ip -n ${lab.ns('pod')} link add eth0 type veth peer name vpod netns ${lab.ns('node')}`]);
    lab.ip('pod', ['link set lo up', 'link set eth0 up', `addr add ${POD}/24 dev eth0`, `route add default via ${NODE}`]);
    lab.ip('node', ['link set lo up', 'link set vpod up', `addr add ${NODE}/24 dev vpod`, 'route add 10.96.0.0/16 dev vpod']);
    lab.sh('node', 'iptables-restore', RULES);
    // A minimal HTTP server on the pod (answers every connection with 200 and closes).
    lab.spawn('pod', ['python3', '-c', SERVER]);
    for (let k = 0; k < 50 && lab.exec('node', ['nc', '-z', '-w', '1', POD, '8080']).code !== 0; k++) await new Promise((r) => setTimeout(r, 100));
    const prompt = `root@${NODE_NAME}:~# `;
    const parts: string[] = [];
    const run = (command: string, output: string): void => {
      parts.push(`${prompt}${command}`);
      if (output !== '') parts.push(output);
    };
    run('iptables-save', lab.sh('node', 'iptables-save 2>/dev/null').replace(/\n+$/, ''));
    run('ip addr', lab.sh('node', 'ip addr').replace(/\n+$/, ''));
    run('ip route', lab.sh('node', 'ip route').replace(/\n+$/, ''));
    // As a terminal shows it: stderr and stdout interleaved, whatever the exit code.
    for (const p of PROBES) run(p.command, lab.sh('node', `${p.command} 2>&1 || true`).replace(/\n+$/, ''));
    transcript = `${parts.join('\n')}\n`;
    if (process.env.NATLENS_WRITE_PROBE_FIXTURES === '1') {
      const dir = path.resolve(__dirname, '../fixtures/probe/lab');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'node-probes.txt'), transcript);
    }
    lab.dispose();
    const file = project.file('node-probes.txt');
    writeFileSync(file, transcript);
    store = project.store();
    const result = importPaths(store, [file]);
    expect(result.errors).toEqual([]);
    findings = projectFindings(store);
  }, 60_000);

  afterAll(() => {
    lab?.dispose();
    project.cleanup();
  });

  it('reads every probe the kernel answered or refused, with no line left unread', () => {
    expect(transcript).toContain('Connection refused');
    const probes = store.probeCaptures().flatMap((c) => store.probesOf(c.captureId));
    expect(probes.map((p) => [p.tool, p.dst, p.dport, p.outcome])).toEqual(PROBES.map((p) => [p.tool, p.dst, p.dport, p.outcome]));
  });

  it('names the rule or route behind each failed probe', () => {
    expectProbeFindings(findings, 'node-probes.txt');
  });
});
