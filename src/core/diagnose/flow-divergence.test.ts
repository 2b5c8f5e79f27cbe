import { describe, expect, it } from 'vitest';
import type { TupleView } from '../views/flow-timeline';
import { compareOutcome, compareReplay, predictedPoints, type CapturedHopInput, type ReplayOutcomeInput } from './flow-divergence';

const t = (src: string, sport: number | null, dst: string, dport: number | null): TupleView => ({ src, sport, dst, dport });
const CLIENT = t('10.40.1.3', 40001, '10.96.0.10', 80);
const TO_EP1 = t('192.168.56.11', 40001, '10.40.2.5', 8080);
const TO_EP2 = t('192.168.56.11', 40001, '10.40.2.6', 8080);

/** The lab's ClusterIP connection: DNAT and masquerade on nodea, routed to nodeb's pod. */
const toEndpoint = (after: TupleView, probability = 1): ReplayOutcomeInput => ({
  probability,
  verdict: 'forward',
  summary: `default/hello:http → ${after.dst}:${after.dport}`,
  hops: [
    { node: 'nodea', in: 'cbr0', out: 'eth0', before: CLIENT, after },
    { node: 'nodeb', in: 'eth0', out: 'cbr0', before: after, after },
  ],
});
const droppedOnNodeb: ReplayOutcomeInput = {
  probability: 1,
  verdict: 'drop',
  summary: 'dropped by nodeb FORWARD policy DROP',
  hops: [
    { node: 'nodea', in: 'cbr0', out: 'eth0', before: CLIENT, after: TO_EP1 },
    { node: 'nodeb', in: 'eth0', out: null, before: TO_EP1, after: TO_EP1 },
  ],
};

let clock = 100;
const seen = (node: string, iface: string | null, after: TupleView, more: Partial<CapturedHopInput> = {}): CapturedHopInput => ({
  node, interface: iface, netns: null, direction: 'original', after, packets: 3, alignedFirstTime: clock++, explanation: 'as captured', ...more,
});

describe('flow divergence: the replay’s path against the captures', () => {
  it('lists each hop’s ingress with the packet arriving and its egress with the packet leaving', () => {
    expect(predictedPoints(toEndpoint(TO_EP1)).map((p) => `${p.node} ${p.interface} ${p.side} ${p.packet.dst}`)).toEqual([
      'nodea cbr0 in 10.96.0.10', 'nodea eth0 out 10.40.2.5', 'nodeb eth0 in 10.40.2.5', 'nodeb cbr0 out 10.40.2.5',
    ]);
  });

  it('agrees at every point when the captures show the predicted packets', () => {
    const hops = [seen('nodea', 'cbr0', CLIENT), seen('nodea', 'eth0', TO_EP1), seen('nodeb', 'eth0', TO_EP1), seen('nodeb', 'cbr0', TO_EP1)];
    const c = compareOutcome(toEndpoint(TO_EP1), 0, hops);
    expect(c.rows.map((r) => r.status)).toEqual(['agree', 'agree', 'agree', 'agree']);
    expect(c.firstDivergence).toBeNull();
    expect(c.headline).toBe('The captures agree with the replay at all 4 points they show.');
  });

  it('marks a DNAT to another endpoint as the first difference, naming the field', () => {
    const hops = [seen('nodea', 'cbr0', CLIENT), seen('nodea', 'eth0', TO_EP2), seen('nodeb', 'eth0', TO_EP2)];
    const c = compareOutcome(toEndpoint(TO_EP1), 0, hops);
    expect(c.rows.map((r) => r.status)).toEqual(['agree', 'differs', 'differs', 'unobserved']);
    expect(c.rows[1]!.fields).toEqual(['dst']);
    expect(c.firstDivergence).toBe(1);
    expect(c.headline).toBe('First difference at nodea eth0 (leaving): the replay predicts 192.168.56.11:40001 → 10.40.2.5:8080, the capture shows 192.168.56.11:40001 → 10.40.2.6:8080.');
  });

  it('keeps the branch of a split service that the captures bear out', () => {
    const hops = [seen('nodea', 'cbr0', CLIENT), seen('nodea', 'eth0', TO_EP2)];
    const best = compareReplay([toEndpoint(TO_EP1, 0.5), toEndpoint(TO_EP2, 0.5)], hops);
    expect(best?.outcome).toBe(1);
    expect(best?.firstDivergence).toBeNull();
    expect(best?.rows.map((r) => r.status)).toEqual(['agree', 'agree', 'unobserved', 'unobserved']);
    expect(compareReplay([], hops)).toBeNull();
  });

  it('places a sighting after a predicted drop where its time puts it, as the first difference', () => {
    const hops = [seen('nodea', 'cbr0', CLIENT), seen('nodea', 'eth0', TO_EP1), seen('nodeb', 'eth0', TO_EP1), seen('nodeb', 'cbr0', TO_EP1)];
    const c = compareOutcome(droppedOnNodeb, 0, hops);
    expect(c.rows.map((r) => `${r.status} ${r.captured?.node ?? r.predicted?.node} ${r.captured?.interface ?? r.predicted?.interface}`)).toEqual([
      'agree nodea cbr0', 'agree nodea eth0', 'agree nodeb eth0', 'unpredicted nodeb cbr0',
    ]);
    expect(c.firstDivergence).toBe(3);
    expect(c.headline).toMatch(/^First difference at nodeb cbr0: the capture shows .* where the replay does not take the packet\.$/);
  });

  it('a predicted packet is missing only where the capture saw this connection (its replies); elsewhere unobserved', () => {
    const reply = t('10.40.2.5', 8080, '192.168.56.11', 40001);
    const withReplies = [seen('nodea', 'cbr0', CLIENT), seen('nodea', 'eth0', reply, { direction: 'reply' })];
    const c = compareOutcome(toEndpoint(TO_EP1), 0, withReplies);
    expect(c.rows.map((r) => r.status)).toEqual(['agree', 'missing', 'unobserved', 'unobserved']);
    expect(c.firstDivergence).toBe(1);
    const quiet = compareOutcome(toEndpoint(TO_EP1), 0, [seen('nodea', 'cbr0', CLIENT)]);
    expect(quiet.firstDivergence).toBeNull();
    expect(quiet.headline).toBe('The captures agree with the replay at the one point they show.');
  });

  it('shows the bridge and the port it came through as one sighting of the predicted packet', () => {
    // The lab: the pod's packet enters nodea through the bridge port veth-a2; cbr0 (the bridge) sees it too.
    const place = (node: string, iface: string) => (iface.startsWith('veth-') ? 'cbr0' : iface);
    const outcome: ReplayOutcomeInput = { ...toEndpoint(TO_EP1), hops: [{ node: 'nodea', in: 'veth-a2', out: 'eth0', before: CLIENT, after: TO_EP1 }, { node: 'nodeb', in: 'eth0', out: 'cbr0', before: TO_EP1, after: TO_EP1 }] };
    const hops = [seen('nodea', 'veth-a2', CLIENT), seen('nodea', 'cbr0', CLIENT), seen('nodea', 'eth0', TO_EP1), seen('nodeb', 'eth0', TO_EP1), seen('nodeb', 'cbr0', TO_EP1), seen('nodeb', 'veth-b1', TO_EP1)];
    const c = compareOutcome(outcome, 0, hops, { place });
    expect(c.rows.map((r) => `${r.status} ${r.captured?.interface} +${r.also.map((a) => a.interface).join(',')}`)).toEqual(['agree veth-a2 +cbr0', 'agree eth0 +', 'agree eth0 +', 'agree cbr0 +veth-b1']);
    expect(c.firstDivergence).toBeNull();
    // Without the bridge, the same sightings are places the replay does not pass.
    expect(compareOutcome(outcome, 0, hops).rows.filter((r) => r.status === 'unpredicted').map((r) => r.captured?.interface)).toEqual(['cbr0', 'veth-b1']);
  });

  it('counts a bridge port as its bridge, matches a capture of unknown interface by its packet, and leaves pod namespaces out', () => {
    const place = (node: string, iface: string) => (node === 'nodea' && iface === 'veth1' ? 'cbr0' : iface);
    const hops = [
      seen('nodea', 'veth1', CLIENT),
      seen('nodea', null, TO_EP1),
      seen('nodea', 'eth0', CLIENT, { netns: 'default/client' }),
    ];
    const c = compareOutcome(toEndpoint(TO_EP1), 0, hops, { place });
    expect(c.rows.map((r) => r.status)).toEqual(['agree', 'agree', 'unobserved', 'unobserved']);
    expect(c.rows[1]!.captured?.interface).toBeNull();
  });

  it('says there is nothing to compare when no capture shows the packet on the path', () => {
    const c = compareOutcome(toEndpoint(TO_EP1), 0, []);
    expect(c.firstDivergence).toBeNull();
    expect(c.headline).toBe('No capture shows this packet where the replay takes it: nothing to compare.');
  });
});
