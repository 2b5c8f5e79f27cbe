/** Flows are stitched by the import itself (faces ask for it): reading flows afterwards only reads. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempProject } from '../../../test/support/temp-project';
import { CancelledError } from '../../core/common/cancellation';
import { FlowStore } from '../../core/model/flow-store';
import { stitchFlows } from '../../core/project/flows-stitch';
import { importPaths } from '../../core/import/import-paths';
import { importCommand } from './import-command';
import { flowsCommand } from './flows-command';
import type { CliIo } from '../cli-io';
import { Store } from '../../core/model/store';

const LAB = path.resolve('test', 'fixtures', 'lab', 'nodes');
const project = useTempProject('stitch-at-import');

const stitchedAt = (store: Store): string | null =>
  (store.db.prepare('SELECT stitched_at FROM flow_generation WHERE id = 1').get() as { stitched_at: string } | undefined)?.stitched_at ?? null;

describe('stitching as part of an import', () => {
  it('fills the flow table during `natlens import`; `natlens flows` then reads without stitching', async () => {
    const db = project().dbPath;
    const err: string[] = [];
    const io: CliIo & { out: string[] } = { out: [], stdout: (t) => io.out.push(t), stderr: (t) => err.push(t), stderrIsTty: false };
    expect(await importCommand.run(['--db', db, '--json', LAB], io)).toBe(0);
    const report = JSON.parse(io.out.join('')) as { flows?: { flows: number; recomputed: boolean } };
    expect(report.flows?.recomputed).toBe(true);
    expect(report.flows?.flows).toBeGreaterThan(0);
    expect(err.join('')).toMatch(/stitched \d+ packets and \d+ conntrack entries into \d+ flows/);
    const store = Store.open(db);
    let before: { generation: string | null; at: string | null; count: number };
    try {
      const flows = new FlowStore(store);
      before = { generation: flows.stitchedGeneration(), at: stitchedAt(store), count: flows.flowCount() };
    } finally {
      store.close();
    }
    expect(before.count).toBe(report.flows?.flows);
    await new Promise((r) => setTimeout(r, 5));
    io.out.length = 0;
    err.length = 0;
    expect(await flowsCommand.run(['--db', db, '--json'], io)).toBe(0);
    expect(err.join('')).not.toContain('stitched');
    expect((JSON.parse(io.out.join('')) as unknown[]).length).toBe(before.count);
    const again = Store.open(db);
    try {
      expect(new FlowStore(again).stitchedGeneration()).toBe(before.generation);
      expect(stitchedAt(again)).toBe(before.at);
    } finally {
      again.close();
    }
  });

  it('restitches when a later import adds captures, and the result equals a stitch from scratch', () => {
    const store = project().store();
    importPaths(store, [path.join(LAB, 'nodea')], { node: 'nodea', stitch: true });
    const first = new FlowStore(store).flowCount();
    const report = importPaths(store, [path.join(LAB, 'nodeb')], { node: 'nodeb', stitch: true });
    expect(report.flows?.recomputed).toBe(true);
    const flows = new FlowStore(store);
    const after = flows.flows();
    expect(after.length).toBeGreaterThan(0);
    expect(after.length).not.toBe(first);
    stitchFlows(store, { force: true });
    expect(flows.flows()).toEqual(after);
  });

  it('cancelled while stitching, keeps the imported captures and the flows stored before', () => {
    const store = project().store();
    importPaths(store, [path.join(LAB, 'nodea')], { node: 'nodea', stitch: true });
    const flows = new FlowStore(store);
    const before = { generation: flows.stitchedGeneration(), rows: flows.flows() };
    expect(before.rows.length).toBeGreaterThan(0);
    const controller = new AbortController();
    expect(() =>
      importPaths(store, [path.join(LAB, 'nodeb')], { node: 'nodeb', stitch: true, signal: controller.signal, onStitchProgress: () => controller.abort() }),
    ).toThrow(CancelledError);
    expect(store.findNode('nodeb')).not.toBeNull();
    expect(flows.stitchedGeneration()).toBe(before.generation);
    expect(flows.flows()).toEqual(before.rows);
    // The next read stitches what the cancel left.
    expect(stitchFlows(store).recomputed).toBe(true);
  });

  it('does not stitch (and the report has no flows) when the import stored nothing new', () => {
    const store = project().store();
    importPaths(store, [path.join(LAB, 'nodea')], { node: 'nodea', stitch: true });
    const at = stitchedAt(store);
    const again = importPaths(store, [path.join(LAB, 'nodea')], { node: 'nodea', stitch: true });
    expect(again.nodes.flatMap((n) => n.captures)).toEqual([]);
    expect(again.flows).toBeUndefined();
    expect(stitchedAt(store)).toBe(at);
  });

  it('stitches nothing and loads no rules for an import without packets or conntrack', () => {
    const store = project().store();
    const report = importPaths(store, [path.join(LAB, 'nodea', 'iptables-save.txt')], { node: 'nodea', stitch: true });
    expect(report.flows).toMatchObject({ flows: 0, packets: 0, recomputed: true });
    expect(stitchFlows(store).recomputed).toBe(false);
  });
});
