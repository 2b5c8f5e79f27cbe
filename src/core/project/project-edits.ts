/**
 * The use cases that change what the project holds after an import: rename a node, merge one node into another,
 * delete a node or a capture, move a capture to another node, name a capture, and undo the newest of these. Each
 * runs in one transaction and writes its inverse to the edit log (deleted rows go to the trash, rows/edits.ts), and
 * each that changes what analysis reads moves the project revision, so stitched flows, findings and replay worlds
 * are computed again from what is left (a capture's name is read by none of them).
 */
import type { Store } from '../model/store';
import * as edits from '../model/rows/edits';
import { LINK_PARTS, nodeState } from '../model/node-state';
import { setCaptureLabel, type CaptureRow } from '../model/rows/captures';
import { assertNever } from '../common/assert-never';
import { visibleControls } from '../common/visible-controls';
import { MAX_NAME_LENGTH, nameProblem } from './edit-names';

/** Edits that can still be undone, newest first; older ones are forgotten (their trash emptied). */
export const KEPT_EDITS = 20;

export interface EditDone {
  kind: 'done';
  /** Names the edit to `undoEdit`. */
  undoId: string;
  /** What was done, in one sentence. */
  summary: string;
  /** What the edit met and how it was settled (a merge's duplicate and disagreeing captures). */
  notes: string[];
}

export type EditResult =
  | EditDone
  | { kind: 'not-found'; message: string }
  /** The edit would clash with what is there (a name in use, a capture the target already has); nothing changed. */
  | { kind: 'conflict'; message: string };

export type UndoResult = { kind: 'undone'; summary: string } | { kind: 'not-found'; message: string } | { kind: 'conflict'; message: string };

interface CapturePlace {
  id: number;
  nodeId: number;
  snapshot: number;
}

/** What undoing an edit does, as stored in the edit log. */
type Inverse =
  | { kind: 'rename-node'; nodeId: number; from: string }
  | { kind: 'rename-capture'; captureId: number; from: string | null }
  /** Puts back what was trashed under the edit's undo id (a deleted node or capture). */
  | { kind: 'restore-trash' }
  /** A merge or a move: trashed rows back first, then each capture to the node and snapshot it had. */
  | { kind: 'move-back'; places: CapturePlace[]; createdNode: number | null };

const CLUSTER_REFUSAL = 'the cluster-wide captures are not a node';
export const MAX_CAPTURE_LABEL = MAX_NAME_LENGTH;

/** Whether the edit (or its undo) changes what flows, findings and replays are computed from. */
function movesRevision(inverse: Inverse): boolean {
  switch (inverse.kind) {
    case 'rename-capture':
      return false;
    case 'rename-node':
    case 'restore-trash':
    case 'move-back':
      return true;
    default:
      return assertNever(inverse);
  }
}

function nodeId(store: Store, name: string): number | null {
  return store.findNode(name);
}

function nodeName(store: Store, id: number): string {
  const row = store.db.prepare('SELECT name FROM nodes WHERE id = ?').get(id) as { name: string } | undefined;
  return row?.name ?? `#${id}`;
}

function describe(c: CaptureRow): string {
  return `${c.kind} ${c.sourceFile}${c.firstLine === null ? '' : `:${c.firstLine}`}`;
}

/** Runs one edit: its changes, its log entry and the revision bump commit together or not at all. */
function record(store: Store, summary: string, change: (undoId: string) => { inverse: Inverse; notes: string[] } | Exclude<EditResult, EditDone>): EditResult {
  const undoId = edits.newUndoId();
  return store.transaction((): EditResult => {
    const outcome = change(undoId);
    if ('kind' in outcome) return outcome;
    edits.appendEdit(store.db, undoId, JSON.stringify(outcome.inverse), summary);
    edits.purgeEdits(store.db, KEPT_EDITS);
    if (movesRevision(outcome.inverse)) edits.bumpRevision(store.db);
    return { kind: 'done', undoId, summary, notes: outcome.notes };
  });
}

export function renameNode(store: Store, from: string, to: string): EditResult {
  const id = nodeId(store, from);
  if (id === null) return { kind: 'not-found', message: `no node "${visibleControls(from)}" in this project` };
  const refused = nameProblem(to, "a node's name");
  if (refused !== null) return { kind: 'conflict', message: refused };
  if (from === to) return { kind: 'conflict', message: `node ${from} already has that name` };
  if (store.db.prepare('SELECT 1 FROM nodes WHERE name = ?').get(to) !== undefined) {
    return { kind: 'conflict', message: `a node "${to}" exists already: merge ${from} into it instead` };
  }
  return record(store, `renamed node ${from} to ${to}`, () => {
    store.db.prepare('UPDATE nodes SET name = ? WHERE id = ?').run(to, id);
    return { inverse: { kind: 'rename-node', nodeId: id, from }, notes: [] };
  });
}

export function deleteNode(store: Store, name: string): EditResult {
  const id = nodeId(store, name);
  if (id === null) return { kind: 'not-found', message: `no node "${name}" in this project` };
  const captures = store.capturesOf(id);
  return record(store, `deleted node ${name} and its ${captures.length === 1 ? 'capture' : `${captures.length} captures`}`, (undoId) => {
    edits.trashCaptures(store.db, undoId, captures.map((c) => c.id));
    edits.trashNode(store.db, undoId, id);
    return { inverse: { kind: 'restore-trash' }, notes: [] };
  });
}

export function deleteCapture(store: Store, captureId: number): EditResult {
  const capture = store.capture(captureId);
  if (capture === null) return { kind: 'not-found', message: `no capture ${captureId} in this project` };
  return record(store, `deleted capture ${captureId} (${describe(capture)}) of ${nodeName(store, capture.nodeId)}`, (undoId) => {
    edits.trashCaptures(store.db, undoId, [captureId]);
    return { inverse: { kind: 'restore-trash' }, notes: [] };
  });
}

/**
 * Gives a capture a name of the user's, shown wherever the capture is listed; an empty name takes it away (the
 * capture is known by its source again). Its provenance (file:line) is not touched: evidence still cites it.
 */
export function renameCapture(store: Store, captureId: number, to: string): EditResult {
  const capture = store.capture(captureId);
  if (capture === null) return { kind: 'not-found', message: `no capture ${captureId} in this project` };
  const label = to.trim() === '' ? null : to.trim();
  const refused = label === null ? null : nameProblem(label, "a capture's name");
  if (refused !== null) return { kind: 'conflict', message: refused };
  if (label === capture.label) return { kind: 'conflict', message: label === null ? `capture ${captureId} has no name to take away` : `capture ${captureId} is already named "${label}"` };
  const what = `capture ${captureId} (${describe(capture)}) of ${nodeName(store, capture.nodeId)}`;
  return record(store, label === null ? `took the name "${capture.label ?? ''}" away from ${what}` : `named ${what} "${label}"`, () => {
    setCaptureLabel(store.db, captureId, label);
    return { inverse: { kind: 'rename-capture', captureId, from: capture.label }, notes: [] };
  });
}

/** Renumbers the snapshots of the node's captures by import order (id) within each kind and namespace; returns the places it changed. */
function renumberSnapshots(store: Store, node: number): CapturePlace[] {
  const changed: CapturePlace[] = [];
  const next = new Map<string, number>();
  const set = store.db.prepare('UPDATE captures SET snapshot = ? WHERE id = ?');
  for (const c of store.capturesOf(node)) {
    const group = `${c.kind}\u0000${c.netns ?? ''}`;
    const snapshot = (next.get(group) ?? 0) + 1;
    next.set(group, snapshot);
    if (c.snapshot === snapshot) continue;
    changed.push({ id: c.id, nodeId: node, snapshot: c.snapshot });
    set.run(snapshot, c.id);
  }
  return changed;
}

const sameContent = (a: CaptureRow, b: CaptureRow, hashes: Map<number, string>): boolean =>
  a.kind === b.kind && (a.netns ?? '') === (b.netns ?? '') && hashes.get(a.id) === hashes.get(b.id);

function contentHashes(store: Store, ids: readonly number[]): Map<number, string> {
  const get = store.db.prepare('SELECT content_hash AS hash FROM captures WHERE id = ?');
  return new Map(ids.map((id) => [id, (get.get(id) as { hash: string }).hash]));
}

/**
 * Moves every capture of `from` to `into` and removes `from`. A capture whose content `into` already has is stored
 * once (the copy of `from` goes to the trash, as a second import of it would not be stored). Two captures of the
 * same kind that disagree (an interface's address, a route) are both kept, the one imported later is the newest
 * and wins, and the notes name each disagreement, as an import's conflict warnings do.
 */
export function mergeNodes(store: Store, from: string, into: string): EditResult {
  const source = nodeId(store, from);
  if (source === null) return { kind: 'not-found', message: `no node "${from}" in this project` };
  const target = nodeId(store, into);
  if (target === null) return { kind: 'not-found', message: `no node "${into}" in this project` };
  if (source === target) return { kind: 'conflict', message: `cannot merge node ${from} into itself` };
  const moving = store.capturesOf(source);
  const staying = store.capturesOf(target);
  const hashes = contentHashes(store, [...moving, ...staying].map((c) => c.id));
  return record(store, `merged node ${from} into ${into}`, (undoId) => {
    const notes: string[] = [];
    const duplicates = moving.filter((m) => staying.some((s) => sameContent(m, s, hashes)));
    for (const d of duplicates) {
      const kept = staying.find((s) => sameContent(d, s, hashes))!;
      notes.push(`${describe(d)} of ${from} is the same as capture ${kept.id} (${describe(kept)}) of ${into}: kept once`);
    }
    for (const m of moving) {
      if (duplicates.includes(m)) continue;
      const twin = staying.find((s) => s.kind === m.kind && (s.netns ?? '') === (m.netns ?? '') && s.takenAt !== null && s.takenAt === m.takenAt);
      if (twin === undefined) continue;
      const [older, newer] = twin.id < m.id ? [twin, m] : [m, twin];
      notes.push(`${describe(m)} of ${from} and ${describe(twin)} of ${into} are both ${m.kind} taken at ${m.takenAt}: both kept; capture ${newer.id} (imported later) is the newest, capture ${older.id} an earlier snapshot`);
    }
    edits.trashCaptures(store.db, undoId, duplicates.map((d) => d.id));
    const moved = moving.filter((m) => !duplicates.includes(m));
    const places: CapturePlace[] = moved.map((m) => ({ id: m.id, nodeId: source, snapshot: m.snapshot }));
    const move = store.db.prepare('UPDATE captures SET node_id = ? WHERE id = ?');
    for (const m of moved) move.run(target, m.id);
    edits.trashNode(store.db, undoId, source);
    const renumbered = renumberSnapshots(store, target).filter((p) => !places.some((q) => q.id === p.id));
    const movedIds = new Set(moved.map((m) => m.id));
    for (const c of nodeState(store, target, null, LINK_PARTS).conflicts) {
      if (movedIds.has(c.captures[0]) === movedIds.has(c.captures[1])) continue;
      notes.push(`${c.about} ${c.subject}: ${c.sources[0]} shows ${c.says[0]}, ${c.sources[1]} shows ${c.says[1]}; ${c.resolution}`);
    }
    return { inverse: { kind: 'move-back', places: [...places, ...renumbered], createdNode: null }, notes };
  });
}

/** Moves one capture to the node named `to` (created when there is none), as if it had been imported there. */
export function moveCapture(store: Store, captureId: number, to: string): EditResult {
  const capture = store.capture(captureId);
  if (capture === null) return { kind: 'not-found', message: `no capture ${captureId} in this project` };
  const clusterOwner = store.db.prepare('SELECT 1 FROM nodes WHERE id = ? AND cluster = 1').get(capture.nodeId) !== undefined;
  if (clusterOwner) return { kind: 'conflict', message: `capture ${captureId} is a cluster-wide kubectl capture: ${CLUSTER_REFUSAL}` };
  const existing = nodeId(store, to);
  const refused = existing === null ? nameProblem(to, "a node's name") : null;
  if (refused !== null) return { kind: 'conflict', message: refused };
  if (existing === capture.nodeId) return { kind: 'conflict', message: `capture ${captureId} is already on node ${to}` };
  if (existing === null && store.db.prepare('SELECT 1 FROM nodes WHERE name = ?').get(to) !== undefined) return { kind: 'conflict', message: `"${to}": ${CLUSTER_REFUSAL}` };
  if (existing !== null) {
    const hash = contentHashes(store, [captureId]).get(captureId);
    const twin = store.findCaptureByContent(existing, capture.kind, capture.netns === null ? null : { via: capture.netnsVia ?? '', name: capture.netns }, hash ?? '');
    if (twin !== null) return { kind: 'conflict', message: `node ${to} already has this capture's content (capture ${twin}); delete capture ${captureId} instead` };
  }
  const fromName = nodeName(store, capture.nodeId);
  return record(store, `moved capture ${captureId} (${describe(capture)}) from ${fromName} to ${to}`, () => {
    const target = existing ?? store.ensureNode(to);
    store.db.prepare('UPDATE captures SET node_id = ? WHERE id = ?').run(target, captureId);
    const renumbered = [...renumberSnapshots(store, target), ...renumberSnapshots(store, capture.nodeId)].filter((p) => p.id !== captureId);
    return { inverse: { kind: 'move-back', places: [{ id: captureId, nodeId: capture.nodeId, snapshot: capture.snapshot }, ...renumbered], createdNode: existing === null ? target : null }, notes: [] };
  });
}


/** One edit of the project, as every face asks for it (`natlens nodes --rename …`, the UI's edit operations). */
export type ProjectEdit =
  | { kind: 'rename-node'; node: string; to: string }
  | { kind: 'merge-nodes'; node: string; into: string }
  | { kind: 'delete-node'; node: string }
  | { kind: 'delete-capture'; captureId: number }
  | { kind: 'move-capture'; captureId: number; node: string }
  | { kind: 'rename-capture'; captureId: number; to: string };

export function applyEdit(store: Store, edit: ProjectEdit): EditResult {
  switch (edit.kind) {
    case 'rename-node':
      return renameNode(store, edit.node, edit.to);
    case 'merge-nodes':
      return mergeNodes(store, edit.node, edit.into);
    case 'delete-node':
      return deleteNode(store, edit.node);
    case 'delete-capture':
      return deleteCapture(store, edit.captureId);
    case 'move-capture':
      return moveCapture(store, edit.captureId, edit.node);
    case 'rename-capture':
      return renameCapture(store, edit.captureId, edit.to);
    default:
      return assertNever(edit);
  }
}
/**
 * Undoes the newest edit exactly: names, node ids, capture ids, snapshots and every trashed row come back as they
 * were. Only the newest can be undone (an older one may be what a newer one built on); an edit made before the
 * last import cannot (the import may have reused the trashed ids), and a clash says so and restores nothing.
 */
export function undoEdit(store: Store, undoId: string): UndoResult {
  const edit = edits.findEdit(store.db, undoId);
  if (edit === null) return { kind: 'not-found', message: 'that change can no longer be undone (it was undone already, or forgotten after an import or later changes)' };
  const newest = edits.newestEdit(store.db);
  if (newest?.undoId !== undoId) return { kind: 'conflict', message: `only the latest change can be undone: "${newest?.summary ?? ''}" came after it` };
  const inverse = JSON.parse(edit.inverse) as Inverse;
  try {
    store.transaction(() => {
      switch (inverse.kind) {
        case 'rename-node':
          store.db.prepare('UPDATE nodes SET name = ? WHERE id = ?').run(inverse.from, inverse.nodeId);
          break;
        case 'rename-capture':
          // The capture is there: an edit deleting it would be newer, and an import forgets every edit.
          setCaptureLabel(store.db, inverse.captureId, inverse.from);
          break;
        case 'restore-trash':
          edits.restoreTrash(store.db, undoId);
          break;
        case 'move-back': {
          edits.restoreTrash(store.db, undoId);
          const put = store.db.prepare('UPDATE captures SET node_id = ?, snapshot = ? WHERE id = ?');
          for (const p of inverse.places) put.run(p.nodeId, p.snapshot, p.id);
          if (inverse.createdNode !== null) store.db.prepare('DELETE FROM nodes WHERE id = ? AND NOT EXISTS (SELECT 1 FROM captures WHERE node_id = ?)').run(inverse.createdNode, inverse.createdNode);
          break;
        }
        default:
          assertNever(inverse);
      }
      edits.removeEdit(store.db, undoId);
      if (movesRevision(inverse)) edits.bumpRevision(store.db);
    });
  } catch (e) {
    if (!(e instanceof Error) || !/constraint/i.test(e.message)) throw e;
    return { kind: 'conflict', message: `"${edit.summary}" cannot be undone: the project changed since (${e.message})` };
  }
  return { kind: 'undone', summary: `undid: ${edit.summary}` };
}

/** Forgets every edit and empties the trash (before an import, which may reuse the ids of trashed rows). */
export function forgetEdits(store: Store): void {
  store.transaction(() => edits.purgeEdits(store.db, 0));
}
