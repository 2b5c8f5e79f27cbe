import { describe, expect, it } from 'vitest';
import type { NodeJson } from '../../shared/contract/contract-json';
import type { RulesetSnapshotJson, RulesetTimelineJson } from '../../shared/contract/ruleset-timeline-json';
import { rulesetCaptureCount, rulesetHistoryView, withRulesetPage } from './ruleset-history';
import { captureJson, nodeJson } from '../../shared/contract/contract-json.fixture';

const snap = (captureId: number, line: number, more: Partial<RulesetSnapshotJson> = {}): RulesetSnapshotJson => ({
  captureId, kind: 'iptables-list', source: `002.txt:${line}`, takenAt: null, tables: ['filter'], command: 'sudo iptables -L -vn -t filter',
  partial: true, pipeline: '', previous: null, family: 'ipv4', startedBy: { kind: 'first' }, captures: [], ...more,
});

/** nodeb of the 002 transcript, then a nat listing and a grep of it. */
const TIMELINE: RulesetTimelineJson = {
  node: 'nodeb',
  snapshots: [
    snap(13, 702),
    snap(14, 754, { previous: 13 }),
    snap(15, 827, { previous: 14 }),
    snap(16, 900, { tables: ['nat'], command: 'sudo iptables-save -t nat', kind: 'iptables-save', partial: false }),
    snap(17, 950, { tables: ['nat'], command: 'sudo iptables-save -t nat', kind: 'iptables-save', partial: false, previous: 16 }),
    snap(18, 990, { tables: ['nat'], command: 'sudo iptables -L -nv -t nat | grep  10.0.34.209', pipeline: 'grep 10.0.34.209' }),
  ],
  changes: [
    {
      from: 13, to: 14, diff: {
        partial: true, services: [],
        chains: [{ table: 'filter', chain: 'FORWARD', change: 'changed', policyBefore: 'DROP', policyAfter: 'ACCEPT', rulesAdded: ['-A FORWARD -d 172.18.0.0/16 -i eth0 -j ACCEPT'], rulesRemoved: ['-A FORWARD -j DOCKER-ISOLATION'] }],
      },
    },
    {
      from: 16, to: 17, diff: {
        partial: false,
        chains: [{ table: 'nat', chain: 'KUBE-SEP-IT2ZTR26TO4XFPTO', change: 'removed', policyBefore: null, policyAfter: null, rulesAdded: [], rulesRemoved: ['-A KUBE-SEP-IT2ZTR26TO4XFPTO -j KUBE-MARK-MASQ'] }],
        services: [
          { service: 'default/hello:http', change: 'changed', endpointsAdded: [], endpointsRemoved: ['10.40.1.2:8080'] },
          { service: 'shop/web:http', change: 'added', endpointsAdded: ['10.40.3.3:8080', '10.40.4.4:8080'], endpointsRemoved: [] },
          { service: 'shop/old:http', change: 'removed', endpointsAdded: [], endpointsRemoved: ['10.40.5.5:80'] },
        ],
      },
    },
  ],
};

describe('ruleset history view', () => {
  const view = rulesetHistoryView(TIMELINE);
  const block = (id: number) => view.blocks.find((b) => b.title.startsWith(`#${id} `))!;

  it('shows a rule added green and a rule removed red, with the policy change, under its table/chain', () => {
    const b = block(14);
    expect(b).toMatchObject({ title: '#14 iptables-list [filter]', source: '002.txt:754', status: 'changed', comparison: 'compared with #13 (002.txt:702)' });
    expect(b.sections).toEqual([
      {
        heading: 'filter/FORWARD',
        lines: [
          { tone: 'changed', text: 'policy DROP → ACCEPT' },
          { tone: 'removed', text: '- -A FORWARD -j DOCKER-ISOLATION' },
          { tone: 'added', text: '+ -A FORWARD -d 172.18.0.0/16 -i eth0 -j ACCEPT' },
        ],
      },
    ]);
    expect(b.partialNote).toMatch(/"removed" may only mean "not shown"/);
  });

  it('names services that came, went or lost endpoints, and chains that disappeared', () => {
    const b = block(17);
    expect(b.partialNote).toBeNull();
    expect(b.sections[0]!.heading).toBe('nat/KUBE-SEP-IT2ZTR26TO4XFPTO (chain removed)');
    expect(b.sections.at(-1)).toEqual({
      heading: 'Services',
      lines: [
        { tone: 'changed', text: '~ default/hello:http endpoints -10.40.1.2:8080' },
        { tone: 'added', text: '+ shop/web:http (endpoints 10.40.3.3:8080, 10.40.4.4:8080)' },
        { tone: 'removed', text: '- shop/old:http (endpoints 10.40.5.5:80)' },
      ],
    });
  });

  it('says which snapshots have nothing to compare with, and which did not change', () => {
    expect(block(13)).toMatchObject({ status: 'first', comparison: 'first snapshot: nothing to compare with', sections: [] });
    expect(block(15)).toMatchObject({ status: 'unchanged', comparison: 'compared with #14 (002.txt:754)', sections: [] });
    expect(block(18).comparison).toBe('first snapshot: nothing to compare with');
    expect(view.summary).toBe('6 snapshots, 2 with changes; each is compared with the one before it, on the chains both show in full');
    expect(rulesetHistoryView({ node: 'x', snapshots: [], changes: [] }).summary).toBe('No iptables captures of this node.');
  });

  it("counts only the node's own iptables captures", () => {
    const node: NodeJson = nodeJson('nodea', {
      captures: [captureJson(1, 'iptables-save', 'a:1'), captureJson(2, 'iptables-list', 'a:9', { netns: 'pod1' }), captureJson(3, 'ip-addr', 'a:20')],
    });
    expect(rulesetCaptureCount(node)).toBe(1);
  });
});

describe('the ruleset history read a page at a time', () => {
  const pageOf = (offset: number, limit: number) => {
    const snapshots = TIMELINE.snapshots.slice(offset, offset + limit);
    const ids = new Set(snapshots.map((s) => s.captureId));
    const end = Math.min(TIMELINE.snapshots.length, offset + limit);
    return {
      node: TIMELINE.node, snapshots, changes: TIMELINE.changes.filter((c) => ids.has(c.to)),
      page: { offset, limit, totalSnapshots: TIMELINE.snapshots.length, nextOffset: end < TIMELINE.snapshots.length ? end : null },
    };
  };

  it('adds each next page, and shows the same blocks as the whole timeline once all are read', () => {
    const first = withRulesetPage(null, pageOf(0, 4));
    expect(rulesetHistoryView(first).summary).toMatch(/^The first 4 of 6 snapshots, 1 with changes/);
    const all = withRulesetPage(first, pageOf(4, 4));
    expect(all.page.nextOffset).toBeNull();
    expect(rulesetHistoryView(all)).toEqual(rulesetHistoryView(TIMELINE));
  });

  it('starts over with a first page or a page that does not follow what was read', () => {
    const first = withRulesetPage(null, pageOf(0, 2));
    expect(withRulesetPage(first, pageOf(0, 3)).snapshots).toHaveLength(3);
    expect(withRulesetPage(first, pageOf(4, 2)).snapshots.map((s) => s.captureId)).toEqual([17, 18]);
  });
});
