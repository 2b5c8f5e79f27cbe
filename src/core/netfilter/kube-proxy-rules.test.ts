import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import { kubeProxyServiceRules, namesAnyService, serviceOfPortName } from './kube-proxy-rules';

const rulesetOf = (file: string) => parseIptablesSave({ file, text: fs.readFileSync(file, 'utf8'), firstLine: 1 }).ruleset;
const LAB = path.join(process.cwd(), 'test', 'fixtures', 'lab', 'nodes', 'nodea', 'iptables-save.txt');
const NO_ENDPOINTS = path.join(process.cwd(), 'test', 'fixtures', 'kube-proxy', 'LabNoEndpoints', 'ruleset.iptables-save');

describe('kubeProxyServiceRules', () => {
  it('gathers a service\'s frontends, service chains and endpoint chains, uncommented rules included, and no shared chain', () => {
    const hello = kubeProxyServiceRules(rulesetOf(LAB), 100).get('default/hello');
    const chains = new Set(hello?.rules.map((r) => r.chain));
    expect([...chains].sort()).toEqual([
      'KUBE-EXT-TCOU7JCQXEZGVUNU', 'KUBE-NODEPORTS', 'KUBE-SEP-IT2ZTR26TO4XFPTO', 'KUBE-SEP-ZP3FB6NMPNCO4VBJ', 'KUBE-SERVICES', 'KUBE-SVC-TCOU7JCQXEZGVUNU',
    ]);
    // The EXT chain's jump to its SVC chain carries no comment: the hash ties it.
    expect(hello?.rules).toContainEqual({ table: 'nat', chain: 'KUBE-EXT-TCOU7JCQXEZGVUNU', text: '-A KUBE-EXT-TCOU7JCQXEZGVUNU -j KUBE-SVC-TCOU7JCQXEZGVUNU', line: 31 });
    expect(hello?.rules.find((r) => r.chain === 'KUBE-SERVICES')).toMatchObject({ line: 41 });
    expect(hello?.rules.some((r) => r.text.includes('nodeports; NOTE'))).toBe(false);
    expect(hello?.rules.some((r) => r.chain === 'KUBE-MARK-MASQ' || r.chain === 'KUBE-POSTROUTING')).toBe(false);
  });

  it('keeps the filter table\'s REJECT of a service without endpoints under that service', () => {
    const rules = kubeProxyServiceRules(rulesetOf(NO_ENDPOINTS), 100);
    const empty = rules.get('default/empty');
    expect(empty?.rules.map((r) => `${r.table}/${r.chain}`).sort()).toEqual(['filter/KUBE-EXTERNAL-SERVICES', 'filter/KUBE-SERVICES']);
    expect(rules.get('default/web')?.rules.some((r) => r.chain.startsWith('KUBE-SEP-'))).toBe(true);
  });

  it('keeps at most the limit per service and counts the rest', () => {
    const all = kubeProxyServiceRules(rulesetOf(LAB), 100).get('default/hello');
    const capped = kubeProxyServiceRules(rulesetOf(LAB), 3).get('default/hello');
    expect(capped?.rules).toEqual(all?.rules.slice(0, 3));
    expect(capped?.omitted).toBe((all?.rules.length ?? 0) - 3);
  });

  it('names the service of a port name, named or not', () => {
    expect(serviceOfPortName('default/hello:http')).toBe('default/hello');
    expect(serviceOfPortName('default/hello')).toBe('default/hello');
  });
});

describe('namesAnyService', () => {
  const fixtures = fs.readdirSync(path.join(process.cwd(), 'test', 'fixtures', 'kube-proxy'))
    .map((d) => path.join(process.cwd(), 'test', 'fixtures', 'kube-proxy', d, 'ruleset.iptables-save'))
    .filter((f) => fs.existsSync(f));

  it('is true for every service kubeProxyServiceRules finds rules of (the report skips a ruleset on its word)', () => {
    expect(fixtures.length).toBeGreaterThan(3);
    for (const file of [LAB, ...fixtures]) {
      const ruleset = rulesetOf(file);
      for (const service of kubeProxyServiceRules(ruleset, 1).keys()) expect([file, namesAnyService(ruleset, new Set([service]))]).toEqual([file, true]);
      expect(namesAnyService(ruleset, new Set(['nowhere/absent']))).toBe(false);
    }
  });

  it('reads the service from a quoted or an unquoted comment, a service without endpoints from its filter REJECT alone', () => {
    const ruleset = parseIptablesSave({
      file: 'x', firstLine: 1,
      text: [
        '*filter', ':KUBE-SERVICES - [0:0]',
        '-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable',
        '-A KUBE-SERVICES -d 10.96.0.21/32 -p tcp -m comment --comment shop/cart -m tcp --dport 80 -j REJECT', 'COMMIT', '',
      ].join('\n'),
    }).ruleset;
    expect(namesAnyService(ruleset, new Set(['default/web']))).toBe(true);
    expect(namesAnyService(ruleset, new Set(['shop/cart']))).toBe(true);
    expect(namesAnyService(ruleset, new Set(['default/api', 'shop/carts']))).toBe(false);
  });
});
