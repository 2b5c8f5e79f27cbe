/**
 * Kernel truth for the kernel-trace reader: a node namespace between a client and a pod, kube-proxy-shaped rules
 * (a ClusterIP DNAT'd to the pod, masquerade marking, FORWARD with a DROP policy that lets one port through), a
 * `-j TRACE` rule, and real connections: one answered, one the FORWARD policy drops. The kernel's own trace — the
 * kernel log of iptables-legacy (with net.netfilter.nf_log_all_netns on for the test, then set back) and
 * `xtables-monitor --trace` of iptables-nft — is imported with the node's iptables-save, ip addr, ip route and
 * conntrack -L. The reader must show what the kernel did (the DNAT'd destination after nat/PREROUTING, the
 * interfaces), the flows must carry the trace lines as observations with their hooks, the replay must agree with
 * the kernel's path (no kernel-trace-disagrees), and the dropped connection must be tied to the FORWARD policy. The
 * trace with only the ruleset, addresses and routes beside it (no conntrack) must make each traced connection a flow,
 * with the tuples conntrack listed for the one it confirmed.
 * Needs root and `ip netns`; skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { importPaths } from '../../src/core/import/import-paths';
import { parseKernelTrace } from '../../src/core/capture/kernel-trace/kernel-trace';
import { stitchFlows } from '../../src/core/project/flows-stitch';
import { listFlows } from '../../src/core/project/flows';
import { projectFindings } from '../../src/core/project/findings';
import { loadWorld } from '../../src/core/project/node-world';
import { walkAgreement, type SourcedEvent } from '../../src/core/diagnose/kernel-trace-findings';
import { kernelWalks } from '../../src/core/diagnose/kernel-walks';
import type { KernelTraceEvent } from '../../src/core/records/records';
import { tempProject, type TempProject } from '../support/temp-project';
import { kernelLabUnavailable, Lab } from './netns';

const unavailable = kernelLabUnavailable();
if (unavailable !== null) console.warn(`kernel-trace kernel-truth test skipped: ${unavailable}`);

const CLIENT = '10.88.1.2';
const NODE_CLIENT_SIDE = '10.88.1.1';
const NODE_POD_SIDE = '10.88.2.1';
const POD = '10.88.2.2';
const SERVICE = '10.96.0.99';
const BLOCKED_SERVICE = '10.96.0.77';
/** DNAT'd to an address the node has no route to: the routing decision drops it, no netfilter verdict. */
const UNROUTED_SERVICE = '10.96.0.66';
const UNROUTED_TARGET = '10.55.0.5';
const LOG_ALL_NETNS = '/proc/sys/net/netfilter/nf_log_all_netns';

const rules = (): string => `*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -s ${CLIENT}/32 -p tcp -m tcp --dport 80 -j TRACE
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-WEB - [0:0]
:KUBE-SEP-WEB - [0:0]
:KUBE-SVC-BLOCKED - [0:0]
:KUBE-SVC-UNROUTED - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-POSTROUTING - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-SERVICES -d ${BLOCKED_SERVICE}/32 -p tcp -m comment --comment "default/blocked:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-BLOCKED
-A KUBE-SERVICES -d ${SERVICE}/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB
-A KUBE-SERVICES -d ${UNROUTED_SERVICE}/32 -p tcp -m comment --comment "default/unrouted:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-UNROUTED
-A KUBE-SVC-WEB -m comment --comment "default/web:http -> ${POD}:8080" -j KUBE-SEP-WEB
-A KUBE-SEP-WEB -s ${POD}/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-WEB -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination ${POD}:8080
-A KUBE-SVC-BLOCKED -p tcp -m comment --comment "default/blocked:http" -j DNAT --to-destination ${POD}:9090
-A KUBE-SVC-UNROUTED -p tcp -m comment --comment "default/unrouted:http" -j DNAT --to-destination ${UNROUTED_TARGET}:80
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -d ${POD}/32 -p tcp -m tcp --dport 8080 -j ACCEPT
-A FORWARD -s ${POD}/32 -j ACCEPT
COMMIT
`;

interface Collected {
  trace: string;
  files: Record<string, string>;
  clientSide: string;
  podSide: string;
}

/** Builds the lab with `backend`'s iptables, sends one answered and one dropped connection, and collects the trace and the node's state. */
async function runScenario(backend: 'legacy' | 'nft'): Promise<Collected> {
  const lab = new Lab();
  // Interface names unique to this run: the kernel log is the host's, shared with everything else that logs.
  const tag = randomBytes(3).toString('hex');
  const clientSide = `kc${tag}`;
  const podSide = `kp${tag}`;
  try {
    lab.addNamespaces(['client', 'node', 'pod']);
    lab.script([
      `ip -n ${lab.ns('client')} link add eth0 type veth peer name ${clientSide} netns ${lab.ns('node')}`,
      `ip -n ${lab.ns('pod')} link add eth0 type veth peer name ${podSide} netns ${lab.ns('node')}`,
    ]);
    lab.ip('client', ['link set lo up', 'link set eth0 up', `addr add ${CLIENT}/24 dev eth0`, `route add 10.96.0.0/16 via ${NODE_CLIENT_SIDE}`]);
    lab.ip('pod', ['link set lo up', 'link set eth0 up', `addr add ${POD}/24 dev eth0`, `route add default via ${NODE_POD_SIDE}`]);
    lab.ip('node', ['link set lo up', `link set ${clientSide} up`, `link set ${podSide} up`, `addr add ${NODE_CLIENT_SIDE}/24 dev ${clientSide}`, `addr add ${NODE_POD_SIDE}/24 dev ${podSide}`]);
    lab.sh('node', 'sysctl -qw net.ipv4.ip_forward=1');
    const restore = backend === 'legacy' ? 'iptables-legacy-restore' : 'iptables-nft-restore';
    lab.sh('node', restore, rules());
    lab.spawn('pod', ['python3', '-c', 'import socket,time\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(("0.0.0.0",8080));s.listen();c,_=s.accept();c.close();time.sleep(5)']);

    let trace = '';
    const connectBoth = (): void => {
      execFileSync('sleep', ['0.3']);
      const ok = lab.exec('client', ['python3', '-c', `import socket;socket.create_connection(("${SERVICE}",80),timeout=2).close()`]);
      expect(ok.code, ok.stderr).toBe(0);
      const blocked = lab.exec('client', ['python3', '-c', `import socket;socket.create_connection(("${BLOCKED_SERVICE}",80),timeout=0.5)`]);
      expect(blocked.stderr).toMatch(/timed out/);
      const unrouted = lab.exec('client', ['python3', '-c', `import socket;socket.create_connection(("${UNROUTED_SERVICE}",80),timeout=0.5)`]);
      expect(unrouted.code).not.toBe(0);
      execFileSync('sleep', ['0.3']);
    };
    if (backend === 'legacy') {
      const old = fs.readFileSync(LOG_ALL_NETNS, 'utf8').trim();
      fs.writeFileSync(LOG_ALL_NETNS, '1');
      try {
        connectBoth();
      } finally {
        fs.writeFileSync(LOG_ALL_NETNS, old);
      }
      const ours = new RegExp(`IN=(?:${clientSide}|${podSide}) `);
      trace = execFileSync('dmesg', [], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').filter((l) => ours.test(l)).join('\n');
    } else {
      // Line-buffered: killed at the end, a block-buffered monitor would take its last lines with it.
      const monitor = lab.spawn('node', ['stdbuf', '-oL', 'xtables-monitor', '--trace']);
      const out: Buffer[] = [];
      monitor.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
      execFileSync('sleep', ['1']);
      connectBoth();
      await new Promise((resolve) => setTimeout(resolve, 500));
      monitor.kill('SIGTERM');
      trace = Buffer.concat(out).toString('utf8');
    }
    const save = backend === 'legacy' ? 'iptables-legacy-save' : 'iptables-nft-save';
    return {
      trace: `${trace.trimEnd()}\n`,
      clientSide,
      podSide,
      files: {
        'iptables-save.txt': lab.sh('node', `${save} 2>/dev/null`),
        'ip-addr.txt': lab.sh('node', 'ip addr'),
        'ip-route.txt': lab.sh('node', 'ip route'),
        'conntrack.txt': lab.sh('node', 'conntrack -L 2>/dev/null'),
      },
    };
  } finally {
    lab.dispose();
  }
}

for (const backend of ['legacy', 'nft'] as const) {
  describe.skipIf(unavailable !== null)(`the kernel's own trace (iptables-${backend}) against natlens`, () => {
    let run: Collected;
    let project: TempProject;
    let events: KernelTraceEvent[];

    beforeAll(async () => {
      run = await runScenario(backend);
      project = tempProject(`kernel-trace-${backend}`);
      for (const [name, text] of Object.entries(run.files)) project.write(`nodes/node/${name}`, text);
      project.write('nodes/node/trace.txt', run.trace);
      const parsed = parseKernelTrace({ file: 'trace.txt', text: run.trace, firstLine: 1 });
      expect(parsed.warnings ?? []).toEqual([]);
      events = parsed.events;
    }, 60_000);

    afterAll(() => project?.cleanup());

    const synTo = (service: string): KernelTraceEvent[] => {
      const first = events.find((e) => e.packet.dst === service && e.packet.sport !== null);
      return first === undefined ? [] : events.filter((e) => e.packet.src === CLIENT && e.packet.sport === first.packet.sport && e.packet.ipId === first.packet.ipId);
    };

    it('reads the kernel\'s walk of the SYN: the service address before the DNAT, the pod after it, the interfaces it crossed', () => {
      const walk = synTo(SERVICE);
      const at = (table: string, chain: string): KernelTraceEvent | undefined =>
        walk.find((e) => (e.hook.kind === 'rule' || e.hook.kind === 'policy') && e.hook.table === table && e.hook.chain === chain);
      const dnat = at('nat', 'KUBE-SEP-WEB');
      expect(dnat?.hook).toMatchObject({ kind: 'rule', ...(backend === 'legacy' ? { position: 2 } : { verdict: 'ACCEPT' }) });
      expect(dnat?.packet).toMatchObject({ proto: 'tcp', src: CLIENT, dst: SERVICE, dport: 80, tcpFlags: ['SYN'] });
      expect(dnat?.in).toBe(run.clientSide);
      const forward = at('filter', 'FORWARD');
      expect(forward?.packet).toMatchObject({ dst: POD, dport: 8080 });
      expect(forward).toMatchObject({ in: run.clientSide, out: run.podSide });
      expect(forward?.hook).toMatchObject({ kind: 'rule', ...(backend === 'legacy' ? { position: 1 } : {}) });
    });

    it('shows the trace lines as observations of the connection\'s flow, hook by hook', () => {
      const store = project.store();
      expect(importPaths(store, [project.file('nodes')]).errors).toEqual([]);
      stitchFlows(store);
      const flow = listFlows(store).find((f) => f.original.dst === SERVICE && f.reply.src === POD);
      expect(flow, 'the conntrack flow of the answered connection').toBeDefined();
      const traced = flow!.observations.filter((o) => o.kind === 'kernel-trace');
      expect(traced.length).toBeGreaterThanOrEqual(synTo(SERVICE).length);
      const sep = traced.find((o) => o.hook?.chain === 'KUBE-SEP-WEB');
      expect(sep).toMatchObject({ node: 'node', interface: run.clientSide, stage: 'pre-NAT', packet: { dst: SERVICE, dport: 80 } });
      const forward = traced.find((o) => o.hook?.table === 'filter' && o.hook.chain === 'FORWARD');
      expect(forward).toMatchObject({ stage: 'post-NAT', packet: { dst: POD, dport: 8080 } });
    });

    it('makes the connections of the trace alone (ruleset, addresses and routes beside it, no conntrack) with conntrack\'s tuples', () => {
      const flowsOf = (label: string, files: readonly string[]): ReturnType<typeof listFlows> => {
        const p = tempProject(`kernel-trace-${label}-${backend}`);
        try {
          for (const name of files) p.write(`nodes/node/${name}`, run.files[name]!);
          p.write('nodes/node/trace.txt', run.trace);
          const store = p.store();
          expect(importPaths(store, [p.file('nodes')]).errors).toEqual([]);
          stitchFlows(store);
          return listFlows(store);
        } finally {
          p.cleanup();
        }
      };
      const alone = flowsOf('alone', ['iptables-save.txt', 'ip-addr.txt', 'ip-route.txt']);
      const withEntries = flowsOf('entries', ['iptables-save.txt', 'ip-addr.txt', 'ip-route.txt', 'conntrack.txt']).filter((f) => f.original.src === CLIENT);
      // Each traced connection once: the answered one (its SYN, ACK, FIN... walks), the one FORWARD drops, the unrouted one.
      expect(alone.map((f) => [f.evidence, f.original.dst, f.nat])).toEqual([
        ['kernel-trace', SERVICE, ['dnat']], ['kernel-trace', BLOCKED_SERVICE, ['dnat']],
        // Its walk stops in the chain that DNATs it: no later line shows the new destination, so none is claimed.
        ['kernel-trace', UNROUTED_SERVICE, []],
      ]);
      // Where conntrack listed the connection (the answered one: the others were dropped before their entry was
      // confirmed), the trace alone made the same tuples and rewrites.
      const listed = withEntries.filter((f) => f.evidence === 'conntrack');
      expect(listed.map((f) => f.original.dst)).toEqual([SERVICE]);
      for (const f of listed) {
        const same = alone.find((t) => t.original.sport === f.original.sport && t.original.dst === f.original.dst);
        expect(same, `the trace flow of ${f.original.dst}:${f.original.dport}`).toMatchObject({ original: f.original, reply: f.reply, nat: f.nat });
      }
      expect(alone.find((f) => f.original.dst === SERVICE)!.timeline.rewrites.map((r) => [r.kind, r.to, r.chain])).toEqual([['dnat', `${POD}:8080`, 'KUBE-SEP-WEB']]);
      // Its hops (what the NAT picture draws) are the kernel's: the service address entering raw PREROUTING, the pod's
      // after nat PREROUTING, where the KUBE-SEP-WEB rule the kernel traced made it.
      const hops = alone.find((f) => f.original.dst === SERVICE)!.timeline.hops;
      expect(hops.slice(0, 2).map((h) => [h.evidence, h.direction, h.trace?.hook, h.after.dst, h.after.dport])).toEqual([
        ['kernel-trace', 'original', 'raw PREROUTING', SERVICE, 80], ['kernel-trace', 'original', 'nat PREROUTING', POD, 8080],
      ]);
      expect(hops[1]!.trace!.rule?.name).toMatch(/^nat KUBE-SEP-WEB/);
      // With the conntrack listing beside the trace, no flow is made of the trace alone where an entry makes it.
      expect(withEntries.filter((f) => f.evidence === 'kernel-trace').map((f) => f.original.dst)).not.toContain(SERVICE);
    });

    it('replays both connections\' first packets along the path the kernel traced, rule for rule', () => {
      const store = project.store();
      const world = loadWorld(store);
      const node = world.find((n) => n.name === 'node')!;
      const sourced: SourcedEvent[] = events.map((e) => ({ ...e, sourceFile: 'trace.txt' }));
      const compared = kernelWalks(sourced).map((w) => walkAgreement(node, w, world)).filter((a) => a.kind !== 'not-compared');
      // The SYN to each service: the answered one crosses raw, nat PREROUTING..KUBE-SEP, FORWARD and nat POSTROUTING.
      // The third, DNAT'd to an address with no route, is traced through PREROUTING only.
      expect(compared.map((a) => a.kind)).toEqual(['agrees', 'agrees', 'agrees']);
      expect(compared.map((a) => (a.kind === 'agrees' ? a.points : 0))).toEqual([9, 5, 4]);
    });

    it('finds the replay on the kernel\'s path, and ties the dropped connection to the FORWARD policy', () => {
      const findings = projectFindings(project.store()).filter((f) => f.kind.startsWith('kernel-trace'));
      expect(findings.filter((f) => f.kind === 'kernel-trace-disagrees').map((f) => f.title)).toEqual([]);
      const drops = findings.filter((f) => f.kind === 'kernel-trace-drop');
      expect(drops.map((f) => f.title)).toEqual([
        expect.stringMatching(new RegExp(`^The kernel dropped tcp ${CLIENT.replace(/\./g, '\\.')}:\\d+ → ${POD.replace(/\./g, '\\.')}:9090 on node at the filter/FORWARD policy \\(DROP\\)`)),
      ]);
      expect(drops[0]!.evidence.map((e) => e.text)).toContainEqual(expect.stringMatching(/^:FORWARD DROP/));
    });

    it('says where the kernel lost the packet its routing dropped, after the DNAT, with no INPUT or FORWARD line', () => {
      const lost = projectFindings(project.store()).filter((f) => f.kind === 'kernel-trace-lost');
      expect(lost.map((f) => f.title)).toEqual([
        expect.stringMatching(new RegExp(`^The kernel's trace of tcp ${CLIENT.replace(/\./g, '\\.')}:\\d+ → ${UNROUTED_SERVICE.replace(/\./g, '\\.')}:80 on node stops after nat/KUBE-SVC-UNROUTED: no INPUT or FORWARD chain saw it$`)),
      ]);
      expect(lost[0]!.explanation).toContain(`to ${UNROUTED_TARGET}:80 by then`);
      expect(lost[0]!.trace).toMatchObject({ node: 'node', dst: `${UNROUTED_SERVICE}:80`, in: run.clientSide });
    });
  });
}
