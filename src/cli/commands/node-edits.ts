/** `natlens nodes` EDIT options: rename, merge and delete nodes, delete, move or name a capture, undo the newest edit. */
import fs from 'node:fs';
import { ModelError } from '../../core/model/model-error';
import { Store } from '../../core/model/store';
import { assertNever } from '../../core/common/assert-never';
import { applyEdit, undoEdit, type EditResult, type ProjectEdit, type UndoResult } from '../../core/project/project-edits';
import { stringOption, type OptionSpec, type ParsedArgv } from '../argv';
import type { CliIo } from '../cli-io';
import { EXIT_OK, EXIT_REJECTED, UsageError } from '../command';

export const EDIT_OPTIONS: OptionSpec = {
  rename: { type: 'string' },
  to: { type: 'string' },
  merge: { type: 'string' },
  into: { type: 'string' },
  delete: { type: 'string' },
  'delete-capture': { type: 'string' },
  'move-capture': { type: 'string' },
  'rename-capture': { type: 'string' },
  'unname-capture': { type: 'string' },
  undo: { type: 'string' },
};

/** What `natlens nodes` is asked to change: one of core's edits, or the undo of one. */
export type NodeEdit = ProjectEdit | { kind: 'undo'; undoId: string };

function captureId(text: string, option: string): number {
  if (!/^[1-9]\d{0,15}$/.test(text)) throw new UsageError(`--${option} needs a capture id (a number, as natlens nodes lists it), not "${text}"`);
  return Number(text);
}

/** The one edit the options ask for, or null for a listing; a UsageError for two edits or a missing partner option. */
export function editOf(args: ParsedArgv): NodeEdit | null {
  const given = ['rename', 'merge', 'delete', 'delete-capture', 'move-capture', 'rename-capture', 'unname-capture', 'undo'].filter((o) => stringOption(args, o) !== undefined);
  const to = stringOption(args, 'to');
  const into = stringOption(args, 'into');
  if (given.length > 1) throw new UsageError(`one edit at a time: --${given.join(' and --')} were given`);
  const needs = (partner: string, value: string | undefined, edit: string): string => {
    if (value === undefined) throw new UsageError(`--${edit} needs --${partner}`);
    return value;
  };
  const option = given[0];
  if (option !== 'rename' && option !== 'move-capture' && option !== 'rename-capture') {
    if (to !== undefined) throw new UsageError('--to goes with --rename, --move-capture or --rename-capture');
  }
  if (option !== 'merge' && into !== undefined) throw new UsageError('--into goes with --merge');
  const value = option === undefined ? '' : stringOption(args, option)!;
  switch (option) {
    case undefined:
      return null;
    case 'rename':
      return { kind: 'rename-node', node: value, to: needs('to', to, option) };
    case 'merge':
      return { kind: 'merge-nodes', node: value, into: needs('into', into, option) };
    case 'delete':
      return { kind: 'delete-node', node: value };
    case 'delete-capture':
      return { kind: 'delete-capture', captureId: captureId(value, option) };
    case 'move-capture':
      return { kind: 'move-capture', captureId: captureId(value, option), node: needs('to', to, option) };
    case 'rename-capture':
      return { kind: 'rename-capture', captureId: captureId(value, option), to: needs('to', to, option) };
    case 'unname-capture':
      // An empty name takes the name away (an empty --to is refused by the option parser, as for every option).
      return { kind: 'rename-capture', captureId: captureId(value, option), to: '' };
    case 'undo':
      return { kind: 'undo', undoId: value };
    default:
      throw new Error(`unhandled edit option ${option}`);
  }
}

function apply(store: Store, edit: NodeEdit): EditResult | UndoResult {
  return edit.kind === 'undo' ? undoEdit(store, edit.undoId) : applyEdit(store, edit);
}

/** Opens the project for writing, applies the edit, says what it did and how to undo it. */
export function runEdit(dbPath: string, edit: NodeEdit, json: boolean, io: CliIo): number {
  let store: Store;
  try {
    store = Store.open(dbPath, { mustExist: true });
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    io.stderr(`natlens: ${e.message}${fs.existsSync(dbPath) ? '' : ' (run natlens import first)'}\n`);
    return EXIT_REJECTED;
  }
  try {
    const result = apply(store, edit);
    switch (result.kind) {
      case 'done':
        if (json) io.stdout(`${JSON.stringify({ undo: result.undoId, summary: result.summary, notes: result.notes })}\n`);
        else {
          io.stdout(`${result.summary}\n`);
          for (const n of result.notes) io.stdout(`  ${n}\n`);
          io.stdout(`undo: natlens nodes --db ${dbPath} --undo ${result.undoId}\n`);
        }
        return EXIT_OK;
      case 'undone':
        io.stdout(json ? `${JSON.stringify({ summary: result.summary })}\n` : `${result.summary}\n`);
        return EXIT_OK;
      case 'not-found':
      case 'conflict':
        io.stderr(`natlens: ${result.message}\n`);
        return EXIT_REJECTED;
      default:
        return assertNever(result);
    }
  } finally {
    store.close();
  }
}
