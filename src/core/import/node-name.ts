import path from 'node:path';
import type { InputFile } from './input-walk';

/**
 * The node a capture is stored under, first answer wins:
 * 1. `--node` (overrides everything, for every PATH of the call);
 * 2. the shell prompt the capture was cut under (`root@node-a:~#`): the content names its host, and
 *    a transcript may hold several hosts, which no folder name could cover;
 * 3. the folder it was found in (folder-node.ts: the sub-folder of the one named, or of a grouping folder in it, that holds it);
 * 4. the file name without its last extension (`node-a.txt` → `node-a`; `iptables.save` → `iptables`):
 *    a capture file given alone is most often named after where it was taken.
 */
export function nodeNameFor(override: string | null, promptNode: string | null, file: InputFile): string {
  if (override) return override;
  if (promptNode) return promptNode;
  if (file.folderNode) return file.folderNode;
  const base = path.basename(file.path);
  const stem = path.parse(base).name;
  return stem === '' ? base : stem;
}
