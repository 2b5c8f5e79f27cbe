// The benchmark page, docs/benchmarks.md: each bench script rewrites its own section and leaves the rest as it is.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'benchmarks.md');

/** Replaces the section that starts with the line `heading` (up to the next `## `), or appends it. */
export function replaceBenchSection(heading, section) {
  const text = fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : '# natlens benchmarks\n';
  const at = text.indexOf(`${heading}\n`);
  let next = at < 0 ? -1 : text.indexOf('\n## ', at + heading.length);
  if (next >= 0) next += 1;
  const updated = at < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, at)}${section}${next < 0 ? '' : `\n${text.slice(next)}`}`;
  fs.writeFileSync(FILE, updated.endsWith('\n') ? updated : `${updated}\n`);
}
