import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIptablesList } from './iptables-list';
import { unwrapListing } from './iptables-list-unwrap';
import { splitTextCapture } from '../registry';

const numbered = (...texts: string[]) => texts.map((text, i) => ({ line: i + 1, text }));

describe('unwrapListing', () => {
  it('joins a row the terminal wrapped onto the next line, without a space', () => {
    const rows = [...unwrapListing(numbered(
      'Chain PREROUTING (policy ACCEPT)',
      'target     prot opt source               destination',
      'KUBE-NODEPORT-CONTAINER  all  --  anywhere             anywhere             ADDRTYPE match dst-type LOCAL /* NOTE: this must b',
      'e the last rule in the chain */     ',
      'DOCKER     all  --  anywhere             anywhere',
    ))];
    expect(rows).toEqual([
      { line: 1, text: 'Chain PREROUTING (policy ACCEPT)' },
      { line: 2, text: 'target     prot opt source               destination' },
      { line: 3, text: 'KUBE-NODEPORT-CONTAINER  all  --  anywhere             anywhere             ADDRTYPE match dst-type LOCAL /* NOTE: this must be the last rule in the chain */' },
      { line: 5, text: 'DOCKER     all  --  anywhere             anywhere' },
    ]);
  });

  it('cuts rows that ran together on one line after the padding, each keeping the line number', () => {
    const header = 'target     prot opt source               destination'.padEnd(100);
    const rows = [...unwrapListing(numbered(`${header}KUBE-SERVICES  all  --  anywhere             anywhere`))];
    expect(rows).toEqual([
      { line: 1, text: 'target     prot opt source               destination' },
      { line: 1, text: 'KUBE-SERVICES  all  --  anywhere             anywhere' },
    ]);
  });

  it('leaves ordinary listings alone: -v rows, comments with spaces, blank lines, chain lines', () => {
    const lines = [
      'Chain KUBE-SERVICES (2 references)',
      ' pkts bytes target     prot opt in     out     source               destination         ',
      '    0     0 KUBE-SVC-X  tcp  --  *      *       0.0.0.0/0            10.96.0.1            /* default/kubernetes:https cluster IP */ tcp dpt:443',
      '',
      'Chain DOCKER (0 references)',
      'num  target     prot opt source               destination',
      '1    RETURN     all  --  anywhere             anywhere',
    ];
    expect([...unwrapListing(numbered(...lines))].map((r) => r.text)).toEqual(lines);
  });

  it('reads the wrapped openshift 187 listing: three rules of PREROUTING, the wrapped comment whole', () => {
    const file = 'test/fixtures/real/openshift-cookbook-issues/187-iptables-L-wrapped.txt';
    const [unit] = splitTextCapture({ file, text: readFileSync(file, 'utf8'), firstLine: 1 }).units;
    const parsed = parseIptablesList(unit!.input, { partial: unit!.partial, table: 'nat' });
    const prerouting = parsed.ruleset.tables[0]!.chains.find((c) => c.name === 'PREROUTING')!;
    expect(prerouting.rules.map((r) => [r.line, r.target?.kind === 'jump' ? r.target.chain : r.target?.kind])).toEqual([
      [3, 'KUBE-PORTALS-CONTAINER'], [4, 'KUBE-SERVICES'], [4, 'KUBE-NODEPORT-CONTAINER'],
    ]);
    expect(prerouting.rules[2]!.text).toContain('this must be the last rule in the chain');
    expect(parsed.ruleset.origin.partial).toBe(true);
  });
});
