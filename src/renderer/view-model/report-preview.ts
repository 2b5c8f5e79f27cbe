/**
 * The Reports tab's preview across tab switches and project changes: previews are kept per project revision and
 * trace list (revision-cache.ts); while a new one is built, the last one of the same project stays on screen, marked
 * as not current. Another project's report is never shown for this one.
 */
import type { ReportFileJson } from '../../shared/contract/report-file-json';

export interface Preview {
  file: ReportFileJson;
  /** previewKey of what it was built for. */
  key: string;
  /** False while the preview for a changed project or trace list is built. */
  current: boolean;
}

/** `project`: the project's file (null: not saved yet); `traces`: the report's traces' keys, in order. */
export function previewKey(project: string | null, traces: readonly string[]): string {
  return JSON.stringify([project, traces]);
}

function projectOf(key: string): string | null {
  return (JSON.parse(key) as [string | null, string[]])[0];
}

/** What to show while the preview of `project` is built: `last` (shown or kept) when it is of the same project, marked not current. */
export function previewWhileBuilding(last: { key: string; file: ReportFileJson } | undefined | null, project: string | null): Preview | null {
  if (last === undefined || last === null || projectOf(last.key) !== project) return null;
  return { file: last.file, key: last.key, current: false };
}
