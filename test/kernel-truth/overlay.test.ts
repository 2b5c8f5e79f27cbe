/**
 * Kernel truth for overlay networks: two "nodes" joined by a veth underlay (192.168.77.1 and .2), a tunnel device in
 * each (VXLAN on Linux's port 8472 as flannel uses it, VXLAN on 4789 as Calico and Cilium do, Geneve, IPIP) with a
 * "pod" address behind it (10.244.1.5 on A, 10.244.2.7 on B). A TCP connection and two pings at once cross it while
 * tcpdump captures A's underlay twice: `-w` (pcap) and `-nn -tt -l` (text). Imported, each capture alone must give the
 * pod connections as flows — the TCP one with the client's own port, the pings as two flows (two echo ids) — every
 * packet in the tunnel between the two nodes. A kernel without a kind's device skips that kind with one line;
 * without root or `ip netns` the suite is skipped with one line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../src/core/model/store';
import { importPaths } from '../../src/core/import/import-paths';
import { stitchFlows } from '../../src/core/project/flows-stitch';
import { listFlows, type FlowView } from '../../src/core/project/flows';
import { Lab, kernelLabUnavailable } from './netns';

const unavailable = kernelLabUnavailable();
if (unavailable !== null) console.warn(`overlay kernel-truth test skipped: ${unavailable}`);

const NODE_A = '192.168.77.1';
const NODE_B = '192.168.77.2';
const POD_A = '10.244.1.5';
const POD_B = '10.244.2.7';

interface Kind {
  name: string;
  device: (me: string, peer: string) => string;
  tunnel: { kind: string; vni: number | null; dport: number | null };
}

const KINDS: Kind[] = [
  { name: 'vxlan-8472', device: (me, peer) => `link add ov0 type vxlan id 1 local ${me} remote ${peer} dstport 8472 dev ul0`, tunnel: { kind: 'vxlan', vni: 1, dport: 8472 } },
  { name: 'vxlan-4789', device: (me, peer) => `link add ov0 type vxlan id 4096 local ${me} remote ${peer} dstport 4789 dev ul0`, tunnel: { kind: 'vxlan', vni: 4096, dport: 4789 } },
  { name: 'geneve', device: (_me, peer) => `link add ov0 type geneve id 7 remote ${peer}`, tunnel: { kind: 'geneve', vni: 7, dport: 6081 } },
  { name: 'ipip', device: (me, peer) => `link add ov0 type ipip local ${me} remote ${peer} dev ul0`, tunnel: { kind: 'ipip', vni: null, dport: null } },
];

let lab: Lab | null = null;
let dir: string | null = null;
afterEach(() => {
  lab?.dispose();
  lab = null;
  if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
});

/** Resolves when the child printed `pattern` on stdout or stderr (rejects if it exits first or after 10 s). */
function printed(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within 10 s: ${seen}`)), 10_000);
    const look = (b: Buffer): void => {
      seen += b.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.on('exit', () => reject(new Error(`exited before ${pattern}: ${seen}`)));
  });
}

/** Resolves when the child exited and its output pipes are drained. */
function closed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null && child.stdout?.readableEnded !== false ? resolve() : child.on('close', () => resolve())));
}

/** Builds the two nodes with a tunnel of `kind`; false when this kernel cannot make its device. */
function buildLab(l: Lab, kind: Kind): boolean {
  l.addNamespaces(['a', 'b']);
  l.ip('a', ['link set lo up', `link add ul0 type veth peer name ul0 netns ${l.ns('b')}`, `addr add ${NODE_A}/24 dev ul0`, 'link set ul0 up']);
  l.ip('b', ['link set lo up', `addr add ${NODE_B}/24 dev ul0`, 'link set ul0 up']);
  for (const [role, me, peer, pod, peerPod] of [['a', NODE_A, NODE_B, POD_A, POD_B], ['b', NODE_B, NODE_A, POD_B, POD_A]] as const) {
    try {
      l.ip(role, [kind.device(me, peer)]);
    } catch {
      return false;
    }
    l.ip(role, [`addr add ${pod}/32 dev ov0`, 'link set ov0 up', `route add ${peerPod}/32 dev ov0 src ${pod}`]);
  }
  return true;
}

function importFlows(file: string): { flows: FlowView[]; warnings: unknown[] } {
  const store = Store.open(path.join(path.dirname(file), `${path.basename(file)}.db`));
  try {
    const report = importPaths(store, [file], fs.statSync(file).isDirectory() ? {} : { node: 'nodea' });
    expect(report.errors).toEqual([]);
    stitchFlows(store);
    return { flows: listFlows(store), warnings: report.warnings };
  } finally {
    store.close();
  }
}

describe.skipIf(unavailable !== null)('overlay captures from the kernel', () => {
  for (const kind of KINDS) it(`${kind.name}: the pod connections are the flows, in the tunnel between the nodes`, async (ctx) => {
    lab = new Lab();
    if (!buildLab(lab, kind)) {
      console.warn(`overlay kernel-truth: ${kind.name} skipped: this kernel cannot make the device (${kind.device(NODE_A, NODE_B)})`);
      ctx.skip();
      return;
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-overlay-'));
    const pcap = path.join(dir, 'ul0.pcap');
    const text = path.join(dir, 'ul0.tcpdump.txt');
    const server = lab.spawn('b', ['python3', '-u', '-c', [
      'import socket', 's = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
      `s.bind(("${POD_B}", 80)); s.listen(1); print("ready")`, 'c, _ = s.accept(); c.sendall(c.recv(100).upper()); c.close()',
    ].join('\n')]);
    // Immediate mode: with TPACKET_V3's block timeout, packets of the last second may not reach tcpdump before SIGINT.
    const binary = lab.spawn('a', ['tcpdump', '--immediate-mode', '-n', '-U', '-i', 'ul0', '-w', pcap]);
    const live = lab.spawn('a', ['tcpdump', '--immediate-mode', '-nn', '-tt', '-l', '-i', 'ul0']);
    // The tunnel device itself: the pod packets as they are, before encapsulation (cni0/veth's view on a real node).
    const device = path.join(dir, 'ov0.pcap');
    const plain = lab.spawn('a', ['tcpdump', '--immediate-mode', '-n', '-U', '-i', 'ov0', '-w', device]);
    const lines: Buffer[] = [];
    live.stdout!.on('data', (b: Buffer) => lines.push(b));
    await Promise.all([printed(server, /ready/), printed(binary, /listening on/), printed(live, /listening on/), printed(plain, /listening on/)]);
    const client = lab.exec('a', ['python3', '-c', [
      'import socket', `s = socket.create_connection(("${POD_B}", 80), timeout=5)`,
      'print(s.getsockname()[1]); s.sendall(b"hello overlay"); s.recv(100); s.close()',
    ].join('\n')]);
    expect(client.stderr).toBe('');
    const clientPort = Number(client.stdout.trim());
    lab.sh('a', `ping -n -c 2 -i 0.2 ${POD_B} >/dev/null & ping -n -c 2 -i 0.2 ${POD_B} >/dev/null; wait`);
    await new Promise((r) => setTimeout(r, 300));
    for (const c of [binary, live, plain]) process.kill(c.pid!, 'SIGINT');
    await Promise.all([closed(binary), closed(live), closed(plain)]);
    fs.writeFileSync(text, Buffer.concat(lines));
    // tcpdump's own reading of the pcap says what went over the wire.
    const rendering = execFileSync('tcpdump', ['-nn', '-r', pcap], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(rendering).toContain(`${POD_A}.${clientPort} > ${POD_B}.80: Flags [S]`);

    for (const file of [pcap, text]) {
      const { flows, warnings } = importFlows(file);
      expect(warnings, file).toEqual([]);
      const pods = flows.filter((f) => f.original.src === POD_A && f.original.dst === POD_B);
      expect(pods.map((f) => [f.proto, f.original.sport, f.original.dport]), file).toEqual([
        ['tcp', clientPort, 80], ['icmp', null, null], ['icmp', null, null],
      ]);
      const [tcp, ping1, ping2] = pods;
      expect(tcp!.tcp, file).toMatchObject({ synCount: 1, synAckCount: 1 });
      expect(tcp!.tcp!.finAt, file).not.toBeNull();
      expect([ping1!.observations.length, ping2!.observations.length], `${file}\n${rendering}`).toEqual([4, 4]);
      for (const f of pods) {
        for (const o of f.observations) {
          const out = o.direction === 'original';
          expect(o.tunnel, `${file} ${o.source}`).toEqual({ ...kind.tunnel, src: out ? NODE_A : NODE_B, dst: out ? NODE_B : NODE_A });
        }
      }
    }

    // Both points of node A in one project: the connection seen on the tunnel device and inside the tunnel on the
    // underlay is one flow, its packets at both interfaces, only the underlay's in the tunnel.
    const both = path.join(dir, 'nodea');
    fs.mkdirSync(both);
    // Named as interfaces the import knows by name.
    fs.copyFileSync(pcap, path.join(both, 'eth0.pcap'));
    fs.copyFileSync(device, path.join(both, 'vxlan0.pcap'));
    const { flows } = importFlows(both);
    const tcp = flows.filter((f) => f.proto === 'tcp');
    expect(tcp.map((f) => [f.original.src, f.original.sport, f.original.dst, f.original.dport])).toEqual([[POD_A, clientPort, POD_B, 80]]);
    const seen = new Map<string, { packets: number; tunnelled: number }>();
    for (const o of tcp[0]!.observations) {
      const at = seen.get(o.interface ?? '?') ?? { packets: 0, tunnelled: 0 };
      at.packets++;
      if (o.tunnel) at.tunnelled++;
      seen.set(o.interface ?? '?', at);
    }
    // As many as tcpdump read on the tunnel device (10 without loss; a retransmission under load adds to both points).
    const sent = execFileSync('tcpdump', ['-nn', '-r', device, 'tcp'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').length;
    expect(sent).toBeGreaterThanOrEqual(10);
    expect(Object.fromEntries(seen)).toEqual({ vxlan0: { packets: sent, tunnelled: 0 }, eth0: { packets: sent, tunnelled: sent } });
  });
});
