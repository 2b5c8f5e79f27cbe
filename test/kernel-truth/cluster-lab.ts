/**
 * One scenario's life: a fresh lab cluster, kube-proxy-shaped rules on its nodes, servers in
 * some pods, real connections, then the captures and the traces of exactly those connections.
 */
import { tracePacket } from '../../src/core/simulate/trace-packet';
import type { TraceResult } from '../../src/core/simulate/trace';
import { CLIENT, HOST_ROLES, NODES, buildCluster } from './cluster';
import type { NodeSpec } from './cluster';
import { kubeProxyRestore } from './kube-rules';
import type { NodeRules } from './kube-rules';
import { Lab } from './netns';
import { captureAll } from './node-capture';
import type { NodeCapture } from './node-capture';
import { connect, startServers } from './traffic';
import type { Connection, ConnectionResult } from './traffic';

export const SERVER_PORT = 8080;
export const NODE_ROLES = NODES.map((n) => n.role);

/** A connection the kernel carried, with the trace of the same packet from the same host. */
export interface Replayed {
  from: string;
  connection: Connection;
  kernel: ConnectionResult;
  /** `tracePacket` from the sending host (local), following across the lab's hosts. */
  trace: TraceResult;
}

export interface Observation {
  captures: Map<string, NodeCapture>;
  replayed: Replayed[];
}

export class ClusterLab {
  readonly lab = new Lab();
  private readonly sent: Array<{ from: string; connection: Connection; kernel: ConnectionResult }> = [];

  constructor() {
    try {
      buildCluster(this.lab);
    } catch (e) {
      this.lab.dispose();
      throw e;
    }
  }

  /** iptables-restore into every node (replaces all tables, zeroes counters) and forget conntrack. */
  loadRules(rulesFor: (node: NodeSpec) => NodeRules): void {
    for (const node of NODES) {
      this.lab.sh(node.role, 'iptables-restore\nconntrack -F 2>/dev/null || true', kubeProxyRestore(rulesFor(node)));
    }
    this.sent.length = 0;
  }

  servers(roles: string[], port = SERVER_PORT, proto: 'tcp' | 'udp' = 'tcp'): Promise<void> {
    return startServers(this.lab, roles, port, 30, proto);
  }

  connect(from: string, connections: Connection[]): ConnectionResult[] {
    const results = connect(this.lab, from, connections);
    connections.forEach((c, i) => {
      const kernel = results[i];
      if (kernel === undefined) throw new Error(`client in ${from} reported no result for sport ${c.sport}`);
      this.sent.push({ from, connection: c, kernel });
    });
    return results;
  }

  /** Capture every host, then replay each connection sent since the rules were loaded. */
  observe(): Observation {
    const captures = captureAll(this.lab, HOST_ROLES, NODE_ROLES);
    const world = worldOf(captures);
    const replayed = this.sent.map((s) => ({
      ...s,
      trace: tracePacket(world, {
        node: s.from, proto: s.connection.proto ?? 'tcp', src: s.kernel.src ?? sourceOf(s.from), sport: s.connection.sport,
        dst: s.connection.dst, dport: s.connection.dport, local: true, follow: true,
      }),
    }));
    return { captures, replayed };
  }

  dispose(): void {
    this.lab.dispose();
  }
}

function sourceOf(role: string): string {
  if (role === CLIENT.role) return CLIENT.ip;
  for (const node of NODES) {
    if (node.role === role) return node.ip;
    const pod = node.pods.find((p) => p.role === role);
    if (pod !== undefined) return pod.ip;
  }
  throw new Error(`no host ${role}`);
}

/** The world the traces ran in, for extra traces from a test. */
export function worldOf(captures: Map<string, NodeCapture>): NodeCapture['snapshot'][] {
  return HOST_ROLES.map((role) => {
    const c = captures.get(role);
    if (c === undefined) throw new Error(`no capture of ${role}`);
    return c.snapshot;
  });
}
