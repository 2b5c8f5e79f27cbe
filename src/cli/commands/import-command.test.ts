import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/model/store';
import { packetCaptureDetail } from '../../core/model/packet-capture-detail';
import { useTempProject } from '../../../test/support/temp-project';
import { UsageError } from '../command';
import type { CliIo } from '../cli-io';
import { importCommand } from './import-command';

const project = useTempProject('import-command');
const PCAP = path.resolve('test/fixtures/lab/nodes/nodea/cbr0.pcap');
const io = (): CliIo & { out: string[] } => {
  const out: string[] = [];
  return { out, stdout: (t) => out.push(t), stderr: () => undefined, stderrIsTty: false };
};

describe('import --interface', () => {
  it('stores the interface with every packet capture of the call', async () => {
    const file = project().write('trace.pcap', await import('node:fs').then((fs) => fs.readFileSync(PCAP)));
    const db = project().file('p.db');
    expect(await importCommand.run(['--db', db, '--node', 'nodea', '--interface', 'cbr0', '--json', file], io())).toBe(0);
    const store = Store.open(db);
    try {
      const capture = store.capturesOf(store.findNode('nodea')!).find((c) => c.kind === 'pcap')!;
      expect(packetCaptureDetail(capture.detail).interface).toBe('cbr0');
    } finally {
      store.close();
    }
  });

  it('refuses what cannot be an interface name as a usage error, and names the option in the usage', async () => {
    for (const bad of ['a/b', 'any', 'name-longer-than-15', 'two words']) {
      await expect(importCommand.run(['--db', project().file('x.db'), '--interface', bad, 'x.pcap'], io())).rejects.toThrow(UsageError);
    }
    expect(importCommand.usage).toContain('--interface IFACE');
  });
});
