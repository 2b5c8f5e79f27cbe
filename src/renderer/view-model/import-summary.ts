/** What an import did, as lines the UI lists: captures by node, then problems with their place. */
import type { ImportJson, ImportWarningJson } from '../../shared/contract-json';

export interface NodeImportLine {
  node: string;
  /** `ip-addr ×2 · iptables-list ×6`, kinds in first-seen order. */
  kinds: string;
}

export interface ImportSummary {
  headline: string;
  byNode: NodeImportLine[];
  captures: { node: string; kind: string; source: string; takenAt: string | null; records: number }[];
  /** `file:line: message`, ready to show as text. */
  errors: string[];
  warnings: string[];
  ok: boolean;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function warningText(w: ImportWarningJson): string {
  return typeof w === 'string' ? w : `${w.source}: ${w.message}`;
}

export function summarizeImport(result: ImportJson): ImportSummary {
  const captures = result.nodes.flatMap((node) => node.captures.map((c) => ({ node: node.name, ...c })));
  const errors = result.errors.map((e) => `${e.source}: ${e.message}`);
  const warnings = result.warnings.map(warningText);
  const parts = [`Imported ${plural(captures.length, 'capture')} on ${plural(result.nodes.length, 'node')}`];
  if (errors.length > 0) parts.push(plural(errors.length, 'file rejected', 'files rejected'));
  if (warnings.length > 0) parts.push(plural(warnings.length, 'warning'));
  const byNode = result.nodes.map((node) => {
    const counts = new Map<string, number>();
    for (const c of node.captures) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
    return { node: node.name, kinds: [...counts].map(([kind, n]) => (n === 1 ? kind : `${kind} ×${n}`)).join(' · ') };
  });
  return { headline: parts.join(', '), byNode, captures, errors, warnings, ok: errors.length === 0 };
}
