/** What an import did, as lines the UI lists: captures by node, then problems with their place. */
import type { ImportJson, ImportWarningJson } from '../../shared/contract-json';

export interface ImportSummary {
  headline: string;
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
  return { headline: parts.join(', '), captures, errors, warnings, ok: errors.length === 0 };
}
