/** What an import did, as lines the UI lists: captures by node, then problems with their place. */
import type { ImportFileJson, ImportJson, ImportWarningJson } from '../../shared/contract/contract-json';

export interface NodeImportLine {
  node: string;
  /** `ip-addr ×2 · iptables-list ×6`, kinds in first-seen order. */
  kinds: string;
}

/** What became of one file's lines that look like data, and the blocks it kept as text. */
export interface FileImportLine {
  file: string;
  /** The nodes its captures went to, `nodea, nodeb`; '' when it held none. */
  nodes: string;
  /** `12 of 14 data lines read · 2 warned about · 3 blocks kept as text`. */
  counts: string;
  /** Every data line was read. */
  complete: boolean;
  /** `file:8–9 \`ip -6 neigh\`: output of ... is not a capture natlens reads`. */
  kept: string[];
}

export interface ImportSummary {
  headline: string;
  byNode: NodeImportLine[];
  captures: { node: string; kind: string; source: string; takenAt: string | null; records: number }[];
  /** `file:line: message`, ready to show as text. */
  errors: string[];
  warnings: string[];
  files: FileImportLine[];
  ok: boolean;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function warningText(w: ImportWarningJson): string {
  const span = w.lines && w.lines[0] !== w.lines[1] ? ` (lines ${w.lines[0]}–${w.lines[1]})` : '';
  return `${w.source}: ${w.message}${span}`;
}

function fileLine(f: ImportFileJson): FileImportLine {
  const parts = [`${f.readDataLines} of ${plural(f.dataLines, 'data line')} read`];
  if (f.warnedDataLines > 0) parts.push(`${f.warnedDataLines} warned about`);
  if (f.kept.length > 0) parts.push(`${plural(f.kept.length, 'block')} kept as text`);
  const kept = f.kept.map((k) => {
    const where = k.lines[0] === k.lines[1] ? `${f.file}:${k.lines[0]}` : `${f.file}:${k.lines[0]}–${k.lines[1]}`;
    return `${where}${k.command ? ` \`${k.command}\`` : ''}: ${k.reason}`;
  });
  return { file: f.file, nodes: f.nodes.join(', '), counts: parts.join(' · '), complete: f.readDataLines === f.dataLines, kept };
}

export function summarizeImport(result: ImportJson): ImportSummary {
  const captures = result.nodes.flatMap((node) => node.captures.map((c) => ({ node: node.name, ...c })));
  const errors = result.errors.map((e) => `${e.source}: ${e.message}`);
  const warnings = result.warnings.map(warningText);
  // A pcap has no lines to account for: only files with data lines or kept blocks are listed.
  const files = (result.files ?? []).filter((f) => f.dataLines > 0 || f.kept.length > 0).map(fileLine);
  const unread = (result.files ?? []).reduce((n, f) => n + f.dataLines - f.readDataLines, 0);
  const parts = [`Imported ${plural(captures.length, 'capture')} on ${plural(result.nodes.length, 'node')}`];
  if (errors.length > 0) parts.push(plural(errors.length, 'file rejected', 'files rejected'));
  // A file lists its first warnings and one that counts the rest: the headline counts every warning.
  const capped = (result.files ?? []).filter((f) => (f.warningsOmitted ?? 0) > 0).length;
  const warningCount = warnings.length - capped + (result.warningsOmitted ?? 0);
  if (warningCount > 0) parts.push(plural(warningCount, 'warning'));
  if (unread > 0) parts.push(`${plural(unread, 'data line')} not read`);
  const byNode = result.nodes.map((node) => {
    const counts = new Map<string, number>();
    for (const c of node.captures) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
    return { node: node.name, kinds: [...counts].map(([kind, n]) => (n === 1 ? kind : `${kind} ×${n}`)).join(' · ') };
  });
  return { headline: parts.join(', '), byNode, captures, errors, warnings, files, ok: errors.length === 0 };
}
