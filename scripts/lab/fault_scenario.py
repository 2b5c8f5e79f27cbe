#!/usr/bin/env python3
"""Writes one fault-lab scenario's scenario.json from what faults.sh recorded, and checks the fault reproduced.

    fault_scenario.py META.json SENT.jsonl SCENARIO_DIR

META (written by faults.sh): {"scenario", "description", "fault": {"induced", "kernel"}, "services",
"captures", "measured": {...}, "expected": {"findings": [{..., "rules": [LOCATOR], "conntrack": [LOCATOR]}]}}
where a LOCATOR is {"file": "nodes/nodea/iptables-save.txt", "contains": ["substring", ...]}: exactly one line
of the file must hold every substring; it becomes {"source": "file:line", "line": N, "text": the line}.
SENT: one JSON object per connection or datagram sent, with its "outcome" and "expectedOutcome".

Exit 1 (after writing scenario.json) when a locator does not find exactly one line or an outcome is not the
expected one: the fault did not reproduce, and the fixture must not be committed as if it had.
"""
import json
import os
import re
import sys

NODES = {
    'nodea': {'ip': '192.168.56.11', 'podCidr': '10.40.1.0/24', 'cbr0': '10.40.1.1',
              'pods': {'a1': '10.40.1.2', 'a2': '10.40.1.3'}},
    'nodeb': {'ip': '192.168.56.12', 'podCidr': '10.40.2.0/24', 'cbr0': '10.40.2.1',
              'pods': {'b1': '10.40.2.2', 'b2': '10.40.2.3'}},
    'client': {'ip': '192.168.56.100'},
}

problems: list[str] = []


def locate(scenario_dir: str, loc: dict) -> dict:
    path = os.path.join(scenario_dir, loc['file'])
    with open(path) as f:
        lines = f.read().split('\n')
    hits = [(i + 1, line) for i, line in enumerate(lines) if all(s in line for s in loc['contains'])]
    if len(hits) != 1:
        problems.append(f"{loc['file']}: {len(hits)} lines hold {loc['contains']} (want exactly one)")
        return {'source': None, 'line': None, 'text': None, 'contains': loc['contains']}
    line_no, text = hits[0]
    return {'source': f"{loc['file']}:{line_no}", 'line': line_no, 'text': text}


CT_LINE = re.compile(r'^(\w+)\s+(\d+)\s+(\d+)\s+(?:([A-Z_]+)\s+)?(.*)$')


def conntrack_entries(scenario_dir: str, node: str) -> list[dict]:
    rel = f'nodes/{node}/conntrack.txt'
    path = os.path.join(scenario_dir, rel)
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for n, line in enumerate(f, start=1):
            m = CT_LINE.match(line.rstrip('\n'))
            if not m:
                continue
            tuples, cur = [], {}
            for k, v in re.findall(r'(\w+)=(\S+)', m.group(5)):
                if k == 'src' and 'src' in cur:
                    tuples.append(cur)
                    cur = {}
                if k in ('src', 'dst', 'sport', 'dport'):
                    cur[k] = v
            tuples.append(cur)
            if len(tuples) < 2:
                continue
            out.append({'node': node, 'proto': m.group(1), 'state': m.group(4), 'original': tuples[0],
                        'reply': tuples[1], 'source': f'{rel}:{n}', 'line': line.rstrip('\n')})
    return out


def matching_conntrack(entries: list[dict], sent: dict) -> list[dict]:
    found = []
    for e in entries:
        o, r = e['original'], e['reply']
        if e['proto'] != sent['proto'] or o.get('src') != sent['src'] or o.get('dst') != sent['dst']:
            continue
        if o.get('sport') != str(sent['sport']) or o.get('dport') != str(sent['dport']):
            continue
        found.append({'node': e['node'], 'source': e['source'], 'state': e['state'],
                      'dnatTo': f"{r['src']}:{r['sport']}" if (r['src'], r['sport']) != (o['dst'], o['dport']) else None,
                      'snatTo': r['dst'] if r['dst'] != o['src'] else None,
                      'unreplied': '[UNREPLIED]' in e['line'], 'line': e['line']})
    return found


def main() -> int:
    meta_path, sent_path, scenario_dir = sys.argv[1:4]
    with open(meta_path) as f:
        meta = json.load(f)
    with open(sent_path) as f:
        sent = [json.loads(line) for line in f if line.strip()]
    entries = [e for node in ('nodea', 'nodeb') for e in conntrack_entries(scenario_dir, node)]
    for s in sent:
        s['conntrack'] = matching_conntrack(entries, s) if s.get('captured', True) else []
        if s['outcome'] != s['expectedOutcome']:
            problems.append(f"{s['id']}: {s['proto']} {s['src']}:{s['sport']} -> {s['dst']}:{s['dport']} "
                            f"{s['outcome']} ({s.get('error')}), expected {s['expectedOutcome']}")
    findings = []
    for exp in meta['expected']['findings']:
        resolved = dict(exp)
        resolved['rules'] = [locate(scenario_dir, loc) for loc in exp.get('rules', [])]
        resolved['conntrack'] = [locate(scenario_dir, loc) for loc in exp.get('conntrack', [])]
        findings.append(resolved)
    scenario = {
        'generatedBy': 'scripts/lab/faults.sh',
        'scenario': meta['scenario'],
        'description': meta['description'],
        'fault': meta['fault'],
        'nodes': NODES,
        'services': meta['services'],
        'captures': meta['captures'],
        'measured': meta.get('measured', {}),
        'sent': sent,
        'expected': {'findings': findings, 'noErrorFindings': meta['expected'].get('noErrorFindings', False)},
    }
    with open(os.path.join(scenario_dir, 'scenario.json'), 'w') as f:
        json.dump(scenario, f, indent=2)
        f.write('\n')
    for p in problems:
        print(f"fault_scenario.py: {meta['scenario']}: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
