/** Where on its way a sighting caught a connection: which direction, and which rewrites it already carries. */
import type { FlowTuple } from './flow-key';

export type SightingDirection = 'original' | 'reply' | 'unknown';

export interface SightingStage {
  direction: SightingDirection;
  /** Destination (original direction) or source (reply direction) is already the translated one. */
  dnat: boolean;
  /** Source (original direction) or destination (reply direction) is already the translated one. */
  snat: boolean;
}

interface Endpoint {
  addr: string;
  port: number | null;
}

const at = (addr: string, port: number | null): Endpoint => ({ addr, port });
const is = (addr: string, port: number | null, e: Endpoint): boolean => addr === e.addr && port === e.port;

/**
 * Classifies a packet tuple against a flow's ends. The client C sent to the service address S;
 * the kernel rewrote them to C' (SNAT) and S' (DNAT), which is what conntrack's reply tuple holds.
 */
export function stageOf(original: FlowTuple, reply: FlowTuple, seen: FlowTuple): SightingStage {
  const client = at(original.src, original.sport);
  const service = at(original.dst, original.dport);
  const server = at(reply.src, reply.sport);
  const clientAsSeen = at(reply.dst, reply.dport);
  const snatted = !is(client.addr, client.port, clientAsSeen);
  const dnatted = !is(service.addr, service.port, server);
  const fromClient = is(seen.src, seen.sport, client);
  const fromClientAsSeen = snatted && is(seen.src, seen.sport, clientAsSeen);
  if (fromClient || fromClientAsSeen) {
    if (is(seen.dst, seen.dport, service)) return { direction: 'original', dnat: false, snat: fromClientAsSeen };
    if (dnatted && is(seen.dst, seen.dport, server)) return { direction: 'original', dnat: true, snat: fromClientAsSeen };
  }
  const toClient = is(seen.dst, seen.dport, client);
  const toClientAsSeen = snatted && is(seen.dst, seen.dport, clientAsSeen);
  if (toClient || toClientAsSeen) {
    if (is(seen.src, seen.sport, service)) return { direction: 'reply', dnat: false, snat: toClientAsSeen };
    if (dnatted && is(seen.src, seen.sport, server)) return { direction: 'reply', dnat: true, snat: toClientAsSeen };
  }
  return { direction: 'unknown', dnat: false, snat: false };
}

/** One sentence on what a capture at this point shows, for the timeline. */
export function describeStage(stage: SightingStage): string {
  switch (stage.direction) {
    case 'original': {
      const done = [stage.dnat && 'DNAT', stage.snat && 'SNAT'].filter(Boolean).join(' and ');
      return done ? `client → server, seen after ${done}` : 'client → server, seen before any NAT';
    }
    case 'reply': {
      const pending = [stage.dnat && 'DNAT', stage.snat && 'SNAT'].filter(Boolean).join(' and ');
      return pending ? `server → client, ${pending} not yet reversed` : 'server → client, as the client receives it';
    }
    case 'unknown':
      return 'tuple matches neither end of the connection';
  }
}
