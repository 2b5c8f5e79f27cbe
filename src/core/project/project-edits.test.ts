import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Store } from '../model/store';
import { importPaths } from '../import/import-paths';
import { stitchFlows } from './flows-stitch';
import { FlowStore } from '../model/flow-store';
import { useTempProject } from '../../../test/support/temp-project';
import { chainFacts } from '../netfilter/chain-facts';
import { deleteCapture, deleteNode, forgetEdits, KEPT_EDITS, MAX_CAPTURE_LABEL, mergeNodes, moveCapture, renameCapture, renameNode, undoEdit, type EditDone, type EditResult } from './project-edits';

const LAB = path.resolve(process.cwd(), 'test/fixtures/lab/nodes');
const project = useTempProject('edits');

/** Every live table's rows (not the trash, the log or what stitching derives), as text: what undo must restore exactly. */
function dump(store: Store): Record<string, string[]> {
  const tables = (store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'trash_%' AND name NOT LIKE 'flow%'
    AND name NOT IN ('edit_log', 'project_revision', 'capture_twins', 'packet_twin_runs', 'sqlite_sequence') ORDER BY name`).all() as Array<{ name: string }>).map((r) => r.name);
  const out: Record<string, string[]> = {};
  for (const t of tables) out[t] = (store.db.prepare(`SELECT * FROM "${t}"`).all() as unknown[]).map((r) => JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v))).sort();
  return out;
}

function done(result: EditResult): EditDone {
  if (result.kind !== 'done') throw new Error(`expected the edit to be done, got ${result.kind}: ${result.message}`);
  return result;
}

function labStore(): Store {
  const store = project().store();
  expect(importPaths(store, [LAB]).errors).toEqual([]);
  return store;
}

const names = (store: Store): string[] => store.listNodes().map((n) => n.name);

describe('project edits', () => {
  it('deletes a node with every row read from its captures, and undo restores the database exactly', () => {
    const store = labStore();
    const before = dump(store);
    const nodeb = store.findNode('nodeb')!;
    const captures = store.capturesOf(nodeb).map((c) => c.id);
    const edit = done(deleteNode(store, 'nodeb'));
    expect(names(store)).toEqual(['nodea']);
    for (const id of captures) expect(store.capture(id)).toBeNull();
    expect(store.db.prepare('SELECT count(*) AS n FROM packet_blocks WHERE capture_id IN (' + captures.join(',') + ')').get()).toEqual({ n: 0 });
    // The deleted node's rules (chunks and runs) go with it; the other node's stay.
    const rulesetsOf = `SELECT id FROM rulesets WHERE capture_id IN (${captures.join(',')})`;
    expect(store.db.prepare(`SELECT count(*) AS n FROM (${rulesetsOf})`).get()).toEqual({ n: 0 });
    expect(store.db.prepare('SELECT count(*) AS n FROM rule_chunks WHERE ruleset_id NOT IN (SELECT id FROM rulesets)').get()).toEqual({ n: 0 });
    expect(store.db.prepare('SELECT count(*) AS n FROM rule_runs WHERE chunk_id NOT IN (SELECT id FROM rule_chunks)').get()).toEqual({ n: 0 });
    expect(store.db.prepare('SELECT count(*) AS n FROM chain_heads WHERE table_id NOT IN (SELECT id FROM rule_tables)').get()).toEqual({ n: 0 });
    expect(store.count('rules')).not.toBe(0);
    for (const trash of ['trash_rule_chunks', 'trash_rule_runs', 'trash_chain_heads']) expect(store.db.prepare(`SELECT count(*) AS n FROM ${trash} WHERE undo_id = ?`).get(edit.undoId)).not.toEqual({ n: 0 });
    expect(undoEdit(store, edit.undoId)).toMatchObject({ kind: 'undone' });
    expect(dump(store)).toEqual(before);
    // Undone once: a second undo finds nothing to undo.
    expect(undoEdit(store, edit.undoId).kind).toBe('not-found');
  });

  it('deletes one capture and restores it with its id, snapshot and packets', () => {
    const store = labStore();
    const before = dump(store);
    const pcap = store.capturesOf(store.findNode('nodea')!).find((c) => c.kind === 'pcap')!;
    const edit = done(deleteCapture(store, pcap.id));
    expect(edit.summary).toContain(`capture ${pcap.id}`);
    expect(store.capture(pcap.id)).toBeNull();
    expect(dump(store)).not.toEqual(before);
    expect(undoEdit(store, edit.undoId).kind).toBe('undone');
    expect(dump(store)).toEqual(before);
    expect(deleteCapture(store, 999999).kind).toBe('not-found');
  });

  it('deletes a capture with its chain headers (which say the chains that SNAT), and undo restores them', () => {
    const p = project();
    const store = p.store();
    const rich = fs.readFileSync(path.resolve(process.cwd(), 'test/fixtures/iptables/rich.kernel-save.txt'));
    const capture = importPaths(store, [p.write('n1/iptables-save.txt', rich)], { node: 'n1' }).nodes[0]!.captures[0]!.id;
    const heads = (): unknown[] => store.db.prepare('SELECT * FROM chain_heads ORDER BY table_id').all();
    const snat = (): string[] =>
      store.lazyRulesetsOf(capture).flatMap((rs) => rs.tables.flatMap((t) => t.chains.filter((c) => chainFacts(c)?.snat === true).map((c) => `${t.name} ${c.name}`)));
    const before = heads();
    expect(before).not.toEqual([]);
    expect(snat()).toEqual(['nat POSTROUTING']);
    const edit = done(deleteCapture(store, capture));
    expect(heads()).toEqual([]);
    expect(undoEdit(store, edit.undoId).kind).toBe('undone');
    expect(heads()).toEqual(before);
    expect(snat()).toEqual(['nat POSTROUTING']);
  });

  it('renames a node, refuses a name in use, and undo gives the old name back', () => {
    const store = labStore();
    expect(renameNode(store, 'nodea', 'nodeb')).toMatchObject({ kind: 'conflict', message: expect.stringContaining('merge') });
    expect(renameNode(store, 'nope', 'x').kind).toBe('not-found');
    const id = store.findNode('nodea');
    const edit = done(renameNode(store, 'nodea', 'worker-1'));
    expect(names(store)).toEqual(['nodeb', 'worker-1']);
    expect(store.findNode('worker-1')).toBe(id);
    expect(undoEdit(store, edit.undoId).kind).toBe('undone');
    expect(names(store)).toEqual(['nodea', 'nodeb']);
  });

  it('names a capture, keeps its provenance, and undo takes the name back; an empty name takes it away', () => {
    const store = labStore();
    const before = dump(store);
    const rules = store.capturesOf(store.findNode('nodea')!).find((c) => c.kind === 'iptables-save')!;
    expect(rules.label).toBeNull();
    const named = done(renameCapture(store, rules.id, '  rules before the fix '));
    expect(named.summary).toBe(`named capture ${rules.id} (iptables-save ${rules.sourceFile}:${rules.firstLine}) of nodea "rules before the fix"`);
    const after = store.capture(rules.id)!;
    expect(after.label).toBe('rules before the fix');
    expect({ ...after, label: null }).toEqual(rules);
    expect(renameCapture(store, rules.id, 'rules before the fix')).toMatchObject({ kind: 'conflict', message: expect.stringContaining('already named') });
    const cleared = done(renameCapture(store, rules.id, ''));
    expect(cleared.summary).toContain('took the name "rules before the fix" away from');
    expect(store.capture(rules.id)!.label).toBeNull();
    expect(undoEdit(store, cleared.undoId)).toEqual({ kind: 'undone', summary: expect.stringContaining('undid: took the name') });
    expect(store.capture(rules.id)!.label).toBe('rules before the fix');
    expect(undoEdit(store, named.undoId).kind).toBe('undone');
    expect(dump(store)).toEqual(before);
  });

  it('refuses a node name with control characters, past the length of a name or empty, for a rename and for a move to a new node', () => {
    const store = labStore();
    const before = dump(store);
    const escaped = renameNode(store, 'nodea', 'worker\u001b]0;owned\u0007-1');
    expect(escaped).toEqual({ kind: 'conflict', message: 'a node\'s name cannot hold control characters: "worker\\x1b]0;owned\\x07-1"' });
    expect(renameNode(store, 'nodea', 'tab\there')).toMatchObject({ kind: 'conflict', message: expect.stringContaining('"tab\\there"') });
    expect(renameNode(store, 'nodea', 'c1\u009bcontrol')).toMatchObject({ kind: 'conflict', message: expect.stringContaining('control characters') });
    expect(renameNode(store, 'nodea', 'x'.repeat(MAX_CAPTURE_LABEL + 1))).toMatchObject({ kind: 'conflict', message: expect.stringContaining(`at most ${MAX_CAPTURE_LABEL}`) });
    expect(renameNode(store, 'nodea', '')).toMatchObject({ kind: 'conflict', message: "a node's name cannot be empty" });
    const capture = store.capturesOf(store.findNode('nodea')!)[0]!.id;
    expect(moveCapture(store, capture, 'new\u001b[2Jnode')).toMatchObject({ kind: 'conflict', message: expect.stringContaining('control characters') });
    expect(renameNode(store, 'no\u001bde', 'fine')).toEqual({ kind: 'not-found', message: 'no node "no\\x1bde" in this project' });
    expect(dump(store)).toEqual(before);
    // The longest name allowed is a name.
    expect(renameNode(store, 'nodea', 'x'.repeat(MAX_CAPTURE_LABEL)).kind).toBe('done');
  });

  it('refuses to name a capture that is not there, with control characters or past the length of a name', () => {
    const store = labStore();
    const id = store.capturesOf(store.findNode('nodea')!)[0]!.id;
    expect(renameCapture(store, 999999, 'x').kind).toBe('not-found');
    expect(renameCapture(store, id, 'a\u001b[31mred')).toMatchObject({ kind: 'conflict', message: expect.stringContaining('control characters') });
    expect(renameCapture(store, id, 'x'.repeat(MAX_CAPTURE_LABEL + 1))).toMatchObject({ kind: 'conflict', message: expect.stringContaining(`${MAX_CAPTURE_LABEL}`) });
    expect(renameCapture(store, id, '')).toMatchObject({ kind: 'conflict', message: expect.stringContaining('no name to take away') });
    expect(store.capture(id)!.label).toBeNull();
  });

  it('does not stitch the flows again for a capture name, nor for its undo', () => {
    const store = labStore();
    stitchFlows(store);
    const flows = new FlowStore(store);
    const stitched = flows.stitchedGeneration();
    const pcap = store.capturesOf(store.findNode('nodea')!).find((c) => c.kind === 'pcap')!;
    const edit = done(renameCapture(store, pcap.id, 'eth0 during the outage'));
    expect(stitchFlows(store).recomputed).toBe(false);
    undoEdit(store, edit.undoId);
    expect(stitchFlows(store).recomputed).toBe(false);
    expect(flows.stitchedGeneration()).toBe(stitched);
  });

  it('stitches the flows again after an edit, and after its undo', () => {
    const store = labStore();
    stitchFlows(store);
    const flows = new FlowStore(store);
    const stitched = flows.stitchedGeneration();
    const edit = done(renameNode(store, 'nodea', 'worker-1'));
    expect(stitchFlows(store).recomputed).toBe(true);
    expect(flows.stitchedGeneration()).not.toBe(stitched);
    undoEdit(store, edit.undoId);
    expect(stitchFlows(store).recomputed).toBe(true);
  });

  it('merges a node into another; identical captures are kept once, and undo splits them exactly', () => {
    const store = labStore();
    // nodea's files imported a second time under another name: every capture is a duplicate of nodea's.
    expect(importPaths(store, [path.join(LAB, 'nodea')], { node: 'nodea-again' }).errors).toEqual([]);
    const before = dump(store);
    const copies = store.capturesOf(store.findNode('nodea-again')!).length;
    const edit = done(mergeNodes(store, 'nodea-again', 'nodea'));
    expect(names(store)).toEqual(['nodea', 'nodeb']);
    expect(edit.notes.filter((n) => n.includes('kept once'))).toHaveLength(copies);
    expect(undoEdit(store, edit.undoId).kind).toBe('undone');
    expect(dump(store)).toEqual(before);
  });

  it('merges two nodes with captures of the same kind and time: both kept, the later imported is the newest, and the merge says so', () => {
    const store = labStore();
    // Same kind, same time (a pcap's first packet), different content: nodeb's eth0.pcap and nodea's.
    const before = dump(store);
    const a = store.findNode('nodea')!;
    const b = store.findNode('nodeb')!;
    const pcapA = store.capturesOf(a).find((c) => c.sourceFile.endsWith('eth0.pcap'))!;
    const pcapB = store.capturesOf(b).find((c) => c.sourceFile.endsWith('eth0.pcap'))!;
    store.db.prepare('UPDATE captures SET taken_at = ? WHERE id IN (?, ?)').run('2026-01-01T00:00:00.000Z', pcapA.id, pcapB.id);
    const sameTime = dump(store);
    const edit = done(mergeNodes(store, 'nodeb', 'nodea'));
    expect(names(store)).toEqual(['nodea']);
    const merged = store.capturesOf(a);
    expect(merged.map((c) => c.id)).toEqual(expect.arrayContaining([pcapA.id, pcapB.id]));
    const note = edit.notes.find((n) => n.includes('both kept') && n.includes('eth0.pcap'));
    expect(note).toContain(`capture ${Math.max(pcapA.id, pcapB.id)} (imported later) is the newest`);
    // Snapshots are renumbered in import order on the merged node: no two pcaps share one.
    const pcapSnapshots = merged.filter((c) => c.kind === 'pcap').map((c) => c.snapshot);
    expect(new Set(pcapSnapshots).size).toBe(pcapSnapshots.length);
    // The interfaces both nodes have (eth0 with different addresses) are a conflict the merge names.
    expect(edit.notes.some((n) => n.startsWith('interface '))).toBe(true);
    expect(undoEdit(store, edit.undoId).kind).toBe('undone');
    expect(dump(store)).toEqual(sameTime);
    expect(dump(store)).not.toEqual(before);
  });

  it('moves a capture to a new node and back; refuses a move onto a node that has the same content', () => {
    const store = labStore();
    const before = dump(store);
    const ruleset = store.capturesOf(store.findNode('nodea')!).find((c) => c.kind === 'iptables-save')!;
    const edit = done(moveCapture(store, ruleset.id, 'nodec'));
    expect(names(store)).toEqual(['nodea', 'nodeb', 'nodec']);
    expect(store.capture(ruleset.id)!.nodeId).toBe(store.findNode('nodec'));
    expect(undoEdit(store, edit.undoId).kind).toBe('undone');
    expect(dump(store)).toEqual(before);
    importPaths(store, [path.join(LAB, 'nodea', 'iptables-save.txt')], { node: 'copy' });
    expect(moveCapture(store, ruleset.id, 'copy')).toMatchObject({ kind: 'conflict' });
  });

  it('undoes only the newest edit, and nothing once an import forgot the edits', () => {
    const store = labStore();
    const first = done(renameNode(store, 'nodea', 'a1'));
    const second = done(renameNode(store, 'nodeb', 'b1'));
    expect(undoEdit(store, first.undoId)).toMatchObject({ kind: 'conflict', message: expect.stringContaining('renamed node nodeb to b1') });
    expect(undoEdit(store, second.undoId).kind).toBe('undone');
    expect(undoEdit(store, first.undoId).kind).toBe('undone');
    const third = done(deleteNode(store, 'nodea'));
    forgetEdits(store);
    expect(undoEdit(store, third.undoId).kind).toBe('not-found');
    expect(store.db.prepare('SELECT count(*) AS n FROM trash_captures').get()).toEqual({ n: 0 });
  });

  it(`keeps the newest ${KEPT_EDITS} edits undoable and empties the trash of older ones`, () => {
    const store = labStore();
    const first = done(deleteCapture(store, store.capturesOf(store.findNode('nodea')!)[0]!.id));
    for (let i = 0; i < KEPT_EDITS; i++) done(renameNode(store, i % 2 === 0 ? 'nodeb' : 'b', i % 2 === 0 ? 'b' : 'nodeb'));
    expect(store.db.prepare('SELECT count(*) AS n FROM edit_log').get()).toEqual({ n: KEPT_EDITS });
    expect(store.db.prepare('SELECT count(*) AS n FROM trash_captures WHERE undo_id = ?').get(first.undoId)).toEqual({ n: 0 });
  });

  it('refuses to restore over an id an import took since, and restores nothing', () => {
    const store = labStore();
    const all = store.capturesOf(store.findNode('nodeb')!);
    const newest = all[all.length - 1]!;
    const edit = done(deleteCapture(store, newest.id));
    // A capture inserted by hand takes the freed id, as an import in another process could.
    store.db.prepare(`INSERT INTO captures (id, node_id, kind, source_file, content_hash, imported_at, snapshot) VALUES (?, ?, 'ip-route', 'x', 'h', 'now', 99)`).run(newest.id, store.findNode('nodea'));
    const after = dump(store);
    expect(undoEdit(store, edit.undoId)).toMatchObject({ kind: 'conflict', message: expect.stringContaining('the project changed since') });
    expect(dump(store)).toEqual(after);
  });
});

describe('the trash follows the schema', () => {
  it('trashes and restores a column a later migration adds to a capture table, and a new table keyed by capture_id', () => {
    const store = labStore();
    const first = done(deleteCapture(store, store.capturesOf(store.findNode('nodea')!)[0]!.id));
    expect(undoEdit(store, first.undoId).kind).toBe('undone');
    // As a later migration might: a column on routes (whose trash table exists by now) and a new per-capture table.
    store.db.exec(`ALTER TABLE routes ADD COLUMN realm TEXT; CREATE TABLE capture_notes (capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE, note TEXT)`);
    store.db.prepare(`UPDATE routes SET realm = 'r-' || id`).run();
    for (const c of store.capturesOf(store.findNode('nodeb')!)) store.db.prepare('INSERT INTO capture_notes VALUES (?, ?)').run(c.id, `note ${c.id}`);
    const before = dump(store);
    const edit = done(deleteNode(store, 'nodeb'));
    expect(store.db.prepare('SELECT count(*) AS n FROM capture_notes').get()).toEqual({ n: 0 });
    expect(undoEdit(store, edit.undoId).kind).toBe('undone');
    expect(dump(store)).toEqual(before);
  });

  it('restores a table with foreign keys to two capture tables after both, whatever its name sorts before', () => {
    const store = labStore();
    // "a_" sorts before chain_heads; its key to rulesets alone would put it beside rule_tables, its key to chain_heads after.
    store.db.exec(`CREATE TABLE a_chain_notes (ruleset_id INTEGER NOT NULL REFERENCES rulesets(id) ON DELETE CASCADE,
      table_id INTEGER NOT NULL REFERENCES chain_heads(table_id) ON DELETE CASCADE, note TEXT)`);
    store.db.prepare(`INSERT INTO a_chain_notes SELECT t.ruleset_id, h.table_id, h.count FROM chain_heads h JOIN rule_tables t ON t.id = h.table_id`).run();
    const before = dump(store);
    const edit = done(deleteNode(store, 'nodeb'));
    expect(store.db.prepare('SELECT count(*) AS n FROM trash_a_chain_notes').get()).not.toEqual({ n: 0 });
    expect(undoEdit(store, edit.undoId).kind).toBe('undone');
    expect(dump(store)).toEqual(before);
  });
});
