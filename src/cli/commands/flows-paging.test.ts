/** `natlens flows --json` pages large projects, `--ndjson` streams every flow, observations are summarised per capture point. */
import { describe, expect, it } from 'vitest';
import { newPacketRecord } from '../../core/capture/pcap/packet-record';
import type { ConntrackEntry } from '../../core/records/records';
import type { Store } from '../../core/model/store';
import { useTempProject } from '../../../test/support/temp-project';
import type { CliIo } from '../cli-io';
import { flowsCommand, JSON_PAGE, OBSERVATIONS_IN_FULL } from './flows-command';

const project = useTempProject('flows-paging');

function captured(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), stderrIsTty: false };
}

/** `n` UDP conntrack entries on one node, each its own flow (no packets). */
function conntrackOnly(store: Store, n: number): void {
  store.transaction(() => {
    const node = store.ensureNode('nodea');
    const id = store.insertCapture({
      nodeId: node, sourceId: null, kind: 'conntrack', namespace: null, sourceFile: 'conntrack.txt', firstLine: 1, lastLine: n,
      command: 'conntrack -L', partial: false, contentHash: 'ct', takenAt: null,
    });
    const t = (src: string, sport: number, dst: string, dport: number) => ({ src, sport, dst, dport, icmp: null, packets: null, bytes: null });
    const entries: ConntrackEntry[] = [];
    for (let i = 0; i < n; i++) {
      const client = `10.1.${i >> 8 & 255}.${i & 255}`;
      entries.push({
        family: 'ipv4', proto: 'udp', protoNumber: 17, timeout: 30, state: null, original: t(client, 5000, '10.96.0.10', 53),
        reply: t('10.40.1.2', 53, client, 5000), unreplied: false, assured: false, mark: 0, zone: null, use: 1, flags: [], line: i + 1,
      });
    }
    store.insertConntrack(id, entries);
    store.finishCapture(id, n, null, null);
  });
}

/** One TCP connection of `each` packets seen on two interfaces (as two capture points, untranslated). */
function oneLongFlow(store: Store, each: number): void {
  store.transaction(() => {
    const node = store.ensureNode('nodea');
    for (const iface of ['eth0', 'cbr0']) {
      const id = store.insertCapture({
        nodeId: node, sourceId: null, kind: 'pcap', namespace: null, sourceFile: `${iface}.pcap`, firstLine: null, lastLine: null,
        command: null, partial: false, contentHash: iface, takenAt: null,
      });
      const w = store.packetWriter(id);
      const p = newPacketRecord(0, 0, 0, null, 1, 66, 66, 0);
      for (let i = 0; i < each; i++) {
        const out = i % 2 === 0;
        p.frame = i + 1;
        p.tsSec = 1_795_000_000 + i;
        p.tsNsec = iface === 'eth0' ? 1000 : 0;
        p.iface = iface;
        p.network = 'ipv4';
        p.ipProto = 6;
        [p.src, p.sport, p.dst, p.dport] = out ? ['10.40.1.3', 40000, '10.40.2.2', 8080] : ['10.40.2.2', 8080, '10.40.1.3', 40000];
        p.tcpFlags = i === 0 ? 0x02 : i === 1 ? 0x12 : 0x10;
        p.seq = 1000 + i;
        p.ack = i === 0 ? null : 2000 + i;
        p.payloadLen = 0;
        w.add(p);
      }
      w.flush();
      store.finishCapture(id, each, null, null);
    }
  });
}

interface FlowJson {
  id: number;
  observations: Array<{ source: string; interface: string | null; point?: { position: string; packets: number } }>;
  observationsOmitted: number;
  observationsSummarised: boolean;
  packets: number;
}

describe('natlens flows on a large project', () => {
  it(`prints at most ${JSON_PAGE} flows with --json and says on stderr how to get the rest; --offset, --limit all and --ndjson get them`, async () => {
    const total = JSON_PAGE + 37;
    conntrackOnly(project().store(), total);
    const db = project().dbPath;
    const page = captured();
    expect(await flowsCommand.run(['--db', db, '--json'], page)).toBe(0);
    const first = JSON.parse(page.out.join('')) as FlowJson[];
    expect(first).toHaveLength(JSON_PAGE);
    expect(first[0]!.id).toBe(1);
    const note = page.err.filter((l) => l.startsWith('natlens: printed'));
    expect(note).toEqual([`natlens: printed flows 1–10,000 of 10,037; 37 more: the next page with --offset 10000, all of them with --limit all, or one per line in constant memory with --ndjson\n`]);

    const next = captured();
    expect(await flowsCommand.run(['--db', db, '--json', '--offset', String(JSON_PAGE)], next)).toBe(0);
    const rest = JSON.parse(next.out.join('')) as FlowJson[];
    expect(rest.map((f) => f.id)).toEqual(Array.from({ length: 37 }, (_, i) => JSON_PAGE + 1 + i));
    expect(next.err.join('')).not.toContain('more:');

    const all = captured();
    expect(await flowsCommand.run(['--db', db, '--json', '--limit', 'all'], all)).toBe(0);
    expect((JSON.parse(all.out.join('')) as FlowJson[]).length).toBe(total);
    expect(all.err.join('')).not.toContain('more:');

    const nd = captured();
    expect(await flowsCommand.run(['--db', db, '--ndjson'], nd)).toBe(0);
    // One write per flow, each one line holding one JSON object, in first-seen order.
    expect(nd.out).toHaveLength(total);
    const ids = nd.out.map((line) => {
      expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true);
      return (JSON.parse(line) as FlowJson).id;
    });
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(nd.err.join('')).not.toContain('more:');
  });

  it('streams --ndjson at the reader\'s pace: never more than one flow written and not yet taken', async () => {
    conntrackOnly(project().store(), 40);
    const taken: string[] = [];
    let pending: string[] = [];
    let most = 0;
    const slow: CliIo = {
      stdout: (t) => {
        pending.push(t);
        most = Math.max(most, pending.length);
      },
      stderr: () => undefined,
      stderrIsTty: false,
      // The reader takes what is pending only on a later turn of the event loop.
      stdoutDrained: () => new Promise((resolve) => setImmediate(() => {
        taken.push(...pending);
        pending = [];
        resolve();
      })),
    };
    expect(await flowsCommand.run(['--db', project().dbPath, '--ndjson'], slow)).toBe(0);
    expect(taken.concat(pending)).toHaveLength(40);
    expect(most).toBe(1);
  });

  it('prints a small project whole with --json, with no note', async () => {
    conntrackOnly(project().store(), 3);
    const io = captured();
    expect(await flowsCommand.run(['--db', project().dbPath, '--json'], io)).toBe(0);
    expect((JSON.parse(io.out.join('')) as FlowJson[]).length).toBe(3);
    expect(io.err.join('')).not.toContain('printed flows');
  });

  it('summarises a long flow per capture point (first, last, count) by default; --observations all lists every packet, N the first N', async () => {
    const each = OBSERVATIONS_IN_FULL;
    oneLongFlow(project().store(), each);
    const db = project().dbPath;
    const io = captured();
    expect(await flowsCommand.run(['--db', db, '--json'], io)).toBe(0);
    const flows = JSON.parse(io.out.join('')) as FlowJson[];
    expect(flows).toHaveLength(1);
    const [flow] = flows;
    expect(flow!.packets).toBe(2 * each);
    expect(flow!.observationsSummarised).toBe(true);
    // Two interfaces × two directions: four points, each with its first and its last packet.
    expect(flow!.observations).toHaveLength(8);
    expect(flow!.observationsOmitted).toBe(2 * each - 8);
    for (const o of flow!.observations) expect(o.point?.packets).toBe(each / 2);
    const eth0Out = flow!.observations.filter((o) => o.interface === 'eth0' && o.source.endsWith('#1') || o.source === 'eth0.pcap#99');
    expect(eth0Out.map((o) => [o.source, o.point?.position])).toEqual([['eth0.pcap#1', 'first'], ['eth0.pcap#99', 'last']]);

    const everything = captured();
    expect(await flowsCommand.run(['--db', db, '--ndjson', '--observations', 'all'], everything)).toBe(0);
    const full = JSON.parse(everything.out[0]!) as FlowJson;
    expect(full.observationsSummarised).toBe(false);
    expect(full.observations).toHaveLength(2 * each);
    expect(full.observations.every((o) => o.point === undefined)).toBe(true);

    const firstFive = captured();
    expect(await flowsCommand.run(['--db', db, '--json', '--observations', '5'], firstFive)).toBe(0);
    const five = (JSON.parse(firstFive.out.join('')) as FlowJson[])[0]!;
    expect(five.observations.map((o) => o.source)).toEqual(['cbr0.pcap#1', 'eth0.pcap#1', 'cbr0.pcap#2', 'eth0.pcap#2', 'cbr0.pcap#3']);
    expect(five.observationsOmitted).toBe(2 * each - 5);
  });

  it('refuses --json with --ndjson and a --limit that is neither a number nor all', async () => {
    await expect(flowsCommand.run(['--json', '--ndjson'], captured())).rejects.toThrow('--json and --ndjson are two ways of printing: choose one');
    await expect(flowsCommand.run(['--json', '--limit', 'some'], captured())).rejects.toThrow('--limit needs a whole number or all, not "some"');
  });
});
