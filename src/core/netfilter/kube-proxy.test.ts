/**
 * KubeProxyIndex keeps a few fields per chain instead of the rules; it must find what a search over the
 * whole nat table finds. The reference below is that search, written plainly over a parsed ruleset.
 */
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import { replayRuleset } from './ruleset-sink';
import { KubeProxyIndex, kubeProxyServices, serviceChainHash, serviceNameOf, type KubeProxyService } from './kube-proxy';
import { commentOf, type Chain, type Ruleset } from './ruleset';
import { writeKubeProxyDump } from '../../../scripts/bench/kube-proxy-dump.mjs';
import { describeShared } from '../../../test/support/describe-shared';
import { sharedDir } from '../../../test/support/shared-corpus';
import { tempProject } from '../../../test/support/temp-project';

function referenceServices(ruleset: Ruleset): Array<Omit<KubeProxyService, 'frontends'> & { frontends: string[] }> {
  const nat = ruleset.tables.find((t) => t.name === 'nat');
  if (!nat) return [];
  const chains = new Map<string, Chain>(nat.chains.map((c) => [c.name, c]));
  const byHash = new Map<string, Omit<KubeProxyService, 'frontends'> & { frontends: string[] }>();
  const serviceFor = (hash: string) => {
    let s = byHash.get(hash);
    if (!s) byHash.set(hash, (s = { name: '', hash, frontends: [], endpoints: [] }));
    return s;
  };
  const nameFrom = (s: { name: string }, comment: string | null): void => {
    const name = comment === null ? null : serviceNameOf(comment);
    if (!s.name && name) s.name = name;
  };
  const jump = (c: Chain['rules'][number]): string | null =>
    c.target?.kind === 'jump' || c.target?.kind === 'goto' ? c.target.chain : null;
  for (const entry of ['KUBE-SERVICES', 'KUBE-NODEPORTS']) {
    for (const rule of chains.get(entry)?.rules ?? []) {
      const to = jump(rule);
      const hash = to === null ? null : serviceChainHash(to);
      if (!hash) continue;
      const s = serviceFor(hash);
      nameFrom(s, commentOf(rule.matches));
      s.frontends.push(rule.text);
    }
  }
  for (const chain of nat.chains) {
    const hash = serviceChainHash(chain.name);
    if (!hash) continue;
    const s = serviceFor(hash);
    for (const rule of chain.rules) {
      nameFrom(s, commentOf(rule.matches));
      const sep = jump(rule);
      if (!sep?.startsWith('KUBE-SEP-') || !/^KUBE-(SVC|SVL)-/.test(chain.name)) continue;
      for (const r of chains.get(sep)?.rules ?? []) {
        nameFrom(s, commentOf(r.matches));
        if (r.target?.kind !== 'dnat') continue;
        for (const to of r.target.to) {
          const ep = to.minAddress && to.ports ? `${to.minAddress}:${to.ports.min}` : to.minAddress;
          if (ep && !s.endpoints.includes(ep)) s.endpoints.push(ep);
        }
      }
    }
  }
  return [...byHash.values()].filter((s) => s.name).sort((a, b) => a.name.localeCompare(b.name));
}

function read(file: string): Ruleset {
  return parseIptablesSave({ file, text: fs.readFileSync(file, 'utf8'), firstLine: 1 }).ruleset;
}

/** The ruleset.iptables-save of every vector folder under `root`. */
function dumpsIn(root: string): string[] {
  return fs
    .readdirSync(root)
    .map((d) => path.join(root, d, 'ruleset.iptables-save'))
    .filter((f) => fs.existsSync(f));
}

function findsWhatASearchFinds(file: string): void {
  const ruleset = read(file);
  const found = kubeProxyServices(ruleset).map((s) => ({ ...s, frontends: s.frontends.map((f) => f.rule) }));
  expect(found).toEqual(referenceServices(ruleset));
}

describeShared('kube-proxy-conformance', 'kubeProxyServices on the kube-proxy conformance dumps', () => {
  const dumps = dumpsIn(sharedDir('kube-proxy-conformance'));
  it.each(dumps)('finds what a search over the whole nat table finds in %s', findsWhatASearchFinds);

  it('has services to find in most conformance dumps', () => {
    expect(dumps.filter((f) => kubeProxyServices(read(f)).length > 0).length).toBeGreaterThan(dumps.length / 2);
  });
});

describe('serviceNameOf', () => {
  it('names a service whose port has no name without kube-proxy\'s trailing colon', () => {
    expect(serviceNameOf('default/hello-server: cluster IP')).toBe('default/hello-server');
    expect(serviceNameOf('default/hello-server:')).toBe('default/hello-server');
    expect(serviceNameOf('default/hello:http -> 10.40.1.2:8080')).toBe('default/hello:http');
    expect(serviceNameOf('kubernetes service nodeports')).toBeNull();
  });

  it('reads a comment as the regular expression over its first word did, for any text', () => {
    const byRegex = (comment: string): string | null => {
      const first = comment.trim().split(/\s+/)[0] ?? '';
      if (!/^[a-z0-9][-a-z0-9.]*\/[^\s/]+$/i.test(first)) return null;
      return first.endsWith(':') ? first.slice(0, -1) : first;
    };
    const alphabet = ['a', 'Z', '0', '9', '-', '.', '/', ':', '_', ' ', '\t', '\n', '\v', '\u00a0', '\u2028', '\u3000', '\ufeff', '\u200b', 'é', 'ſ', '\u212a', '>', '"'];
    let seed = 7;
    const next = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const texts = ['', ' ', 'ns/a', 'ns/a:', ' ns/a: b', 'ns//a', '/a', 'ns/', 'ns/:', '-ns/a', 'n-s.x/a:b -> 1.2.3.4:80', '\u00a0ns/a\u2028x'];
    for (let k = 0; k < 20_000; k++) {
      let t = '';
      const len = next(14);
      for (let i = 0; i < len; i++) t += alphabet[next(alphabet.length)]!;
      texts.push(t, `team-${next(50)}/svc-${next(999)}${t}`);
    }
    for (const t of texts) expect([t, serviceNameOf(t)]).toEqual([t, byRegex(t)]);
  });
});

describe('kubeProxyServices', () => {
  const own = dumpsIn(path.join('test', 'fixtures', 'kube-proxy'));
  it.each(own)('finds what a search over the whole nat table finds in %s (recorded from the kernel)', findsWhatASearchFinds);

  it('finds every service of the recorded dumps', () => {
    expect(own.map((f) => kubeProxyServices(read(f)).map((s) => s.name).sort())).toEqual([
      ['default/trio:http', 'default/web:http'],
      ['default/self:http', 'kube-system/kube-dns:dns'],
      ['default/web:http'],
      ['default/web-np:http'],
    ]);
  });

  it('without the entry rules\' text, lists the same services but will not make KubeProxyService objects', () => {
    for (const file of own) {
      const ruleset = read(file);
      const index = new KubeProxyIndex(false, false);
      replayRuleset(ruleset.tables.filter((t) => t.name === 'nat'), index);
      const list = index.serviceList();
      const names = Array.from({ length: list.count }, (_, i) => list.name(i));
      expect(names, file).toEqual(kubeProxyServices(ruleset).map((s) => s.name));
      expect(() => index.services(), file).toThrow(/text was not kept/);
    }
  });

  it('finds the same 2,000 services in a kube-proxy-scale dump', () => {
    const project = tempProject('kube-proxy');
    try {
      const file = project.file('dump.save');
      writeKubeProxyDump(file, 2000, 3);
      const ruleset = read(file);
      const found = kubeProxyServices(ruleset).map((s) => ({ ...s, frontends: s.frontends.map((f) => f.rule) }));
      expect(found).toEqual(referenceServices(ruleset));
      expect(found).toHaveLength(2000);
    } finally {
      project.cleanup();
    }
  });
});
