/**
 * A file of a collector tarball carries what its manifest says (input-walk's CollectedFile). Its text is
 * split as the transcript of its command: `root@NODE:~# COMMAND` and then the output, so the command
 * decides what the output is exactly as when an engineer pastes it (kind, namespace, what is kept as
 * text and why), and output no parser reads is kept as text with a warning naming the file.
 */
import type { NamespaceContext, SplitResult } from '../capture/capture-unit';
import type { TextInput } from '../capture/text-input';
import type { FileOutcome } from './file-outcome';
import type { InputFile } from './input-walk';

/** The manifest's namespace label (collect.sh): `crictl:ID`, `docker:ID`, or an `ip netns` name. */
export function namespaceOfLabel(label: string | null): NamespaceContext | null {
  if (label === null) return null;
  if (label.startsWith('crictl:')) return { via: 'crictl', name: label.slice('crictl:'.length) };
  if (label.startsWith('docker:')) return { via: 'docker', name: label.slice('docker:'.length) };
  return { via: 'ip-netns', name: label };
}

/** Splits a file's text; a collected file's as the output of its command, its line numbers unchanged. */
export function splitFileText(split: (input: TextInput) => SplitResult, file: InputFile, text: string, onLines?: (line: number) => void): SplitResult {
  const command = file.collected?.command ?? null;
  const hook = onLines === undefined ? {} : { onLines };
  if (command === null) return split({ file: file.path, text, firstLine: 1, ...hook });
  const host = (file.folderNode ?? 'node').replace(/[^A-Za-z0-9._-]/g, '_');
  // The prompt is line 0: the output's lines keep their numbers in the file.
  const result = split({ file: file.path, text: `root@${host}:~# ${command}\n${text}`, firstLine: 0, ...hook });
  // The prompt's host is only as good as the folder node it was made from; the manifest's namespace is the truth.
  const node = file.folderNode;
  const namespace = namespaceOfLabel(file.collected?.netns ?? null);
  return {
    ...result,
    units: result.units.map((u) => ({ ...u, node: u.node === null ? null : node, namespace: namespace ?? u.namespace })),
    kept: result.kept.map((b) => ({ ...b, node })),
  };
}

/** Output of a collected file kept as text: said in a warning, so nothing of a collector tarball goes unmentioned. */
export function warnCollectedKept(split: SplitResult, outcome: FileOutcome): void {
  for (const block of split.kept) {
    const lines = block.lastLine - block.firstLine + 1;
    const command = block.command !== null && !block.reason.includes(block.command) ? ` (\`${block.command}\`)` : '';
    outcome.warnings.push({ source: `${block.file}:${block.firstLine}`, message: `${block.reason}${command}, ${lines} line${lines === 1 ? '' : 's'}; kept as text`, lines: [block.firstLine, block.lastLine] });
  }
}
