import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { looksLikeBridge } from './iproute/bridge';
import { looksLikeBridgeFdb } from './iproute/bridge-fdb';
import { looksLikeIpBrief } from './iproute/ip-brief';
import { looksLikeIpNeigh } from './iproute/ip-neigh';
import { looksLikeIpRule } from './iproute/ip-rule';
import { iprouteJsonKind } from './iproute/iproute-json';
import { looksLikeConntrack } from './conntrack/conntrack';
import { looksLikeIfconfig } from './iproute/ifconfig';
import { looksLikeIpAddr } from './iproute/ip-addr';
import { looksLikeIpRoute } from './iproute/ip-route';
import { looksLikeKubectl } from './kubectl/kubectl';
import { looksLikeRouteTable } from './iproute/route-table';
import { textFixture } from '../../../test/fixtures/text/fixture-input';

const SNIFFS = {
  'ip-addr': looksLikeIpAddr, ifconfig: looksLikeIfconfig, 'ip-route': looksLikeIpRoute, 'route-table': looksLikeRouteTable,
  conntrack: looksLikeConntrack, bridge: looksLikeBridge, kubectl: looksLikeKubectl,
  'ip-brief': looksLikeIpBrief, 'ip-rule': looksLikeIpRule, 'ip-neigh': looksLikeIpNeigh, 'bridge-fdb': looksLikeBridgeFdb,
  'json ip-addr': (t: string) => iprouteJsonKind(t) === 'ip-addr', 'json ip-route': (t: string) => iprouteJsonKind(t) === 'ip-route',
  'json ip-rule': (t: string) => iprouteJsonKind(t) === 'ip-rule', 'json ip-neigh': (t: string) => iprouteJsonKind(t) === 'ip-neigh',
  'json bridge-fdb': (t: string) => iprouteJsonKind(t) === 'bridge-fdb',
} as const;

/** Which sniff each real fixture must satisfy (and no other). */
function expectedSniff(name: string): keyof typeof SNIFFS {
  if (name.startsWith('ip-j-addr') || name.startsWith('ip-j-p-addr') || name.startsWith('ip-j-link') || name.startsWith('ip-d-j-')) return 'json ip-addr';
  if (name.startsWith('ip-j-route')) return 'json ip-route';
  if (name.startsWith('ip-j-rule')) return 'json ip-rule';
  if (name.startsWith('ip-j-neigh')) return 'json ip-neigh';
  if (name.startsWith('bridge-j-fdb')) return 'json bridge-fdb';
  if (name.startsWith('ip-br-')) return 'ip-brief';
  if (name.startsWith('ip-rule') || name.startsWith('ip-6-rule')) return 'ip-rule';
  if (name.startsWith('ip-neigh') || name.startsWith('ip-6-neigh')) return 'ip-neigh';
  if (name.startsWith('bridge-fdb')) return 'bridge-fdb';
  if (name.startsWith('ip-s-') || name.startsWith('ip-6-addr') || name.startsWith('ip-link-')) return 'ip-addr';
  if (name.startsWith('ip-addr') || name.startsWith('ip-o-') || name.startsWith('ip-d-')) return 'ip-addr';
  if (name.startsWith('ifconfig')) return 'ifconfig';
  if (name.startsWith('ip-route') || name.startsWith('ip-6-route')) return 'ip-route';
  if (name.startsWith('route-n') || name.startsWith('netstat')) return 'route-table';
  if (name.startsWith('conntrack') || name.startsWith('proc-nf-conntrack')) return 'conntrack';
  if (name.startsWith('brctl') || name.startsWith('bridge')) return 'bridge';
  throw new Error(`no expected kind for fixture ${name}`);
}

describe('text capture sniffs', () => {
  const dir = path.resolve(__dirname, '../../../test/fixtures/text');
  const fixtures = readdirSync(dir).filter((f) => f.endsWith('.txt'));

  it('has fixtures to check', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
  });

  for (const name of fixtures) {
    it(`recognises ${name} as ${expectedSniff(name)} only`, () => {
      const text = textFixture(name).text;
      const matching = Object.entries(SNIFFS).filter(([, sniff]) => sniff(text)).map(([kind]) => kind);
      expect(matching).toEqual([expectedSniff(name)]);
    });
  }
});
