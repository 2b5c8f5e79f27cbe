/** The server's and desktop app's replay worlds: kept across traces, replaced when the captures or the store change. */
import { describe, expect, it } from 'vitest';
import { importPaths } from '../../core/import/import-paths';
import { Store } from '../../core/model/store';
import { traceProject } from '../../core/project/project-trace';
import { compiledNodeOf } from '../../core/simulate';
import { useTempProject } from '../../../test/support/temp-project';
import { ReplayWorlds } from './replay-worlds';

const project = useTempProject('replay-worlds');

const save = (policy: string): string => `*filter
:INPUT ACCEPT [0:0]
:FORWARD ${policy} [0:0]
:OUTPUT ACCEPT [0:0]
COMMIT
`;
const addr = '2: eth0: <BROADCAST,UP> mtu 1500 state UP\n    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff\n    inet 10.0.0.1/24 scope global eth0\n';
const request = { node: 'n1', proto: 'tcp', src: '10.0.0.9', dst: '10.0.0.7', dport: 80, in: 'eth0', follow: false } as const;

describe('ReplayWorlds', () => {
  it('keeps one world, and its compiled nodes, across traces while the captures stay the same', () => {
    const p = project();
    const store = p.store();
    importPaths(store, [p.write('n1/iptables-save.txt', save('DROP')), p.write('n1/ip-addr.txt', addr)], { node: 'n1' });
    const worlds = new ReplayWorlds();
    const first = worlds.of(store);
    traceProject(store, request, { snapshot: null, world: first });
    const compiled = compiledNodeOf(first[0]!);
    expect(worlds.of(store)).toBe(first);
    expect(compiledNodeOf(worlds.of(store)[0]!)).toBe(compiled);
  });

  it('reads the captures again after an import, and after the store is reopened', () => {
    const p = project();
    const store = p.store();
    importPaths(store, [p.write('n1/iptables-save.txt', save('DROP')), p.write('n1/ip-addr.txt', addr)], { node: 'n1' });
    const worlds = new ReplayWorlds();
    const verdict = (s = store): string | undefined =>
      traceProject(s, request, { snapshot: null, world: worlds.of(s) }).outcomes[0]?.verdict;
    expect(verdict()).toBe('drop');
    importPaths(store, [p.write('n1/later/iptables-save.txt', save('ACCEPT'))], { node: 'n1' });
    expect(verdict()).toBe('forward');

    const before = worlds.of(store);
    store.close();
    const reopened = Store.open(p.dbPath);
    try {
      // Not `.not.toBe(before)`: on a difference vitest deep-compares the two, reading the old world's unread rules from a closed store.
      expect(worlds.of(reopened) === before).toBe(false);
      expect(verdict(reopened)).toBe('forward');
    } finally {
      reopened.close();
    }
  });

  it('keeps a pinned snapshot apart from the newest', () => {
    const p = project();
    const store = p.store();
    const old = importPaths(store, [p.write('n1/iptables-save.txt', save('DROP')), p.write('n1/ip-addr.txt', addr)], { node: 'n1' });
    importPaths(store, [p.write('n1/later/iptables-save.txt', save('ACCEPT'))], { node: 'n1' });
    const pinned = old.nodes[0]?.captures.find((c) => c.kind === 'iptables-save')?.id ?? null;
    const worlds = new ReplayWorlds();
    const trace = (snapshot: number | null): string | undefined =>
      traceProject(store, request, { snapshot, world: worlds.of(store, snapshot) }).outcomes[0]?.verdict;
    expect([trace(pinned), trace(null), trace(pinned)]).toEqual(['drop', 'forward', 'drop']);
  });
});
