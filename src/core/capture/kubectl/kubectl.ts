/** kubectl text output: `get svc|endpoints|pods [-o wide] [-A]`, multi-kind `get a,b,c`, and `describe svc|pod`. */
import { CaptureError, clipText } from '../capture-error';
import { isDescribeStart, newDescribeBlock, readDescribeLine, recordOfBlock, type DescribeBlock } from './kubectl-describe';
import { recordOfRow, tableLayoutOf, type TableLayout } from './kubectl-get';
import type { GetCommand } from './kubectl-command';
import { headerlessLayoutOf, headerlessRecordOf, isHeaderlessRow } from './kubectl-headerless';
import { leadingLines } from '../leading-lines';
import type { ParsedCapture } from '../../records/records';
import { isInterruptEcho, isWatchEvent, LastStates, type WatchEvent } from './kubectl-watch';
import { linesOf, type TextInput } from '../text-input';

type KubectlCapture = Extract<ParsedCapture, { kind: 'kubectl' }>;

const NOTHING_FOUND = /^No resources found/;

/** `command`: the `kubectl get` that printed the text, which names the namespace (`-n`) and the columns of rows without their header. */
export function parseKubectl(input: TextInput, command: GetCommand | null = null): KubectlCapture {
  const headerless = headerlessLayoutOf(command);
  // Every object once, as its last row says (a watch prints it again as it changes).
  const objects = new LastStates();
  let table: TableLayout | null = null;
  let block: DescribeBlock | null = null;
  let nothingFound = false;
  let afterBlank: TableLayout | null = null;

  const closeBlock = (): void => {
    if (!block) return;
    const described = recordOfBlock(block);
    switch (described.kind) {
      case 'service':
        objects.add({ kind: 'service', record: described.record }, described.record.line);
        if (described.endpoints) objects.add({ kind: 'endpoints', record: described.endpoints }, described.endpoints.line);
        break;
      case 'pod': objects.add({ kind: 'pod', record: described.record }, described.record.line); break;
      case 'skipped': break;
      default: { const unreachable: never = described; return unreachable; }
    }
    block = null;
  };

  for (const { line, text } of linesOf(input)) {
    const fail = (reason: string): never => { throw new CaptureError({ file: input.file, line }, reason); };
    if (text.trim() === '') {
      if (table) afterBlank = table;
      table = null;
      closeBlock();
      continue;
    }
    if (NOTHING_FOUND.test(text)) {
      nothingFound = true;
      continue;
    }
    // A watch ends with Ctrl-C: the terminal's echo of it is no row.
    if (isInterruptEcho(text)) continue;
    const layout = tableLayoutOf(text);
    if (layout) {
      closeBlock();
      table = layout;
      continue;
    }
    if (isDescribeStart(text)) {
      closeBlock();
      table = null;
      afterBlank = null;
      block = newDescribeBlock(line);
      readDescribeLine(block, text, fail);
      continue;
    }
    if (block) {
      readDescribeLine(block, text, fail);
      continue;
    }
    // A row after a blank line (an elision set aside leaves one) still belongs to the table above when it sits under its columns.
    if (!table && afterBlank && alignsWith(afterBlank, text)) table = afterBlank;
    afterBlank = null;
    if (!table && !headerless) fail(`not kubectl output: "${clipText(text)}"`);
    const row = table ? recordOfRow(table, text, line, fail, command?.namespace ?? null) : headerlessRecordOf(headerless!, text, line, fail);
    const event = table?.names[0] === 'EVENT' ? watchEventOf(text, fail) : null;
    switch (row.kind) {
      case 'service':
      case 'endpoints':
      case 'pod':
        objects.add(row, line, event);
        break;
      case 'skipped': break;
      default: { const unreachable: never = row; return unreachable; }
    }
  }
  closeBlock();
  const { services, endpoints, pods } = objects.records();
  const warnings = objects.notes();
  // Objects that were all deleted while watched: nothing is left, and the output said so.
  if (services.length + endpoints.length + pods.length === 0 && !nothingFound && warnings.length === 0) {
    throw new CaptureError({ file: input.file, line: input.firstLine }, 'no service, endpoints or pod found in kubectl output');
  }
  return { kind: 'kubectl', services, endpoints, pods, takenAt: null, ...(warnings.length === 0 ? {} : { warnings }) };
}

/** The EVENT cell opening a row of `get -w --output-watch-events`. */
function watchEventOf(text: string, fail: (reason: string) => never): WatchEvent {
  const first = /^\S+/.exec(text)?.[0] ?? '';
  return isWatchEvent(first) ? first : fail(`not a watch event: "${clipText(first, 40)}" (ADDED, MODIFIED, DELETED, BOOKMARK or ERROR)`);
}

/** kubectl aligns its columns: each cell of a row starts where its column's header does. */
function alignsWith(layout: TableLayout, text: string): boolean {
  if (/^\s/.test(text)) return false;
  const starts = new Set<number>();
  const word = /\S+/g;
  for (let m = word.exec(text); m !== null; m = word.exec(text)) starts.add(m.index);
  const under = layout.starts.filter((s) => starts.has(s)).length;
  return under >= Math.max(2, layout.starts.length - 1);
}

/**
 * Rows of `kubectl get` without their header (`| grep web`, `--no-headers`): a leading line has the columns
 * `command` prints. One that has not then fails the parse with its line, and the whole output is kept as text.
 */
export function looksLikeHeaderlessKubectl(text: string, command: GetCommand | null): boolean {
  const layout = headerlessLayoutOf(command);
  return layout !== null && leadingLines(text, 5).some((l) => isHeaderlessRow(layout, l));
}

/** A kubectl table header (any resource: a `get deploy,rs,po` opens with deployments), or a describe block (`Name:` then `Namespace:`) at the top. */
export function looksLikeKubectl(text: string): boolean {
  const [first, second] = leadingLines(text, 2);
  if (first === undefined) return false;
  // `kubectl get` of nothing: `No resources found.`, `No resources found in default namespace.`
  if (NOTHING_FOUND.test(first.trim()) && second === undefined) return true;
  const layout = tableLayoutOf(first);
  // Every `kubectl get` table has an AGE column; other tools' NAME tables (gcloud ... list) do not have it.
  if (layout) return layout.names.includes('AGE');
  return isDescribeStart(first) && second !== undefined && /^Namespace:\s/.test(second);
}
