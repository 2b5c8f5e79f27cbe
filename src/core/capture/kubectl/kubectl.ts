/** kubectl text output: `get svc|endpoints|pods [-o wide] [-A]`, multi-kind `get a,b,c`, and `describe svc|pod`. */
import { CaptureError } from '../capture-error';
import { isDescribeStart, newDescribeBlock, readDescribeLine, recordOfBlock, type DescribeBlock } from './kubectl-describe';
import { recordOfRow, tableLayoutOf, type TableLayout } from './kubectl-get';
import type { GetCommand } from './kubectl-command';
import { headerlessLayoutOf, headerlessRecordOf, isHeaderlessRow } from './kubectl-headerless';
import { leadingLines } from '../leading-lines';
import type { EndpointsRecord, ParsedCapture, PodRecord, ServiceRecord } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';

type KubectlCapture = Extract<ParsedCapture, { kind: 'kubectl' }>;

const NOTHING_FOUND = /^No resources found/;

/** `command`: the `kubectl get` that printed the text, which names the namespace (`-n`) and the columns of rows without their header. */
export function parseKubectl(input: TextInput, command: GetCommand | null = null): KubectlCapture {
  const headerless = headerlessLayoutOf(command);
  const services: ServiceRecord[] = [];
  const endpoints: EndpointsRecord[] = [];
  const pods: PodRecord[] = [];
  let table: TableLayout | null = null;
  let block: DescribeBlock | null = null;
  let nothingFound = false;
  let afterBlank: TableLayout | null = null;

  const closeBlock = (): void => {
    if (!block) return;
    const described = recordOfBlock(block);
    switch (described.kind) {
      case 'service':
        services.push(described.record);
        if (described.endpoints) endpoints.push(described.endpoints);
        break;
      case 'pod': pods.push(described.record); break;
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
    if (!table && !headerless) fail(`not kubectl output: "${text.length > 80 ? `${text.slice(0, 77)}...` : text}"`);
    const row = table ? recordOfRow(table, text, line, fail, command?.namespace ?? null) : headerlessRecordOf(headerless!, text, line, fail);
    switch (row.kind) {
      case 'service': services.push(row.record); break;
      case 'endpoints': endpoints.push(row.record); break;
      case 'pod': pods.push(row.record); break;
      case 'skipped': break;
      default: { const unreachable: never = row; return unreachable; }
    }
  }
  closeBlock();
  if (services.length + endpoints.length + pods.length === 0 && !nothingFound) {
    throw new CaptureError({ file: input.file, line: input.firstLine }, 'no service, endpoints or pod found in kubectl output');
  }
  return { kind: 'kubectl', services, endpoints, pods, takenAt: null };
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
  const layout = tableLayoutOf(first);
  // Every `kubectl get` table has an AGE column; other tools' NAME tables (gcloud ... list) do not have it.
  if (layout) return layout.names.includes('AGE');
  return isDescribeStart(first) && second !== undefined && /^Namespace:\s/.test(second);
}
