// Builds the command line bundle once before any test process starts, so the suites that spawn
// ./bin/natlens never race each other rewriting out/cli/natlens.cjs.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  execFileSync(process.execPath, [path.join(process.cwd(), 'scripts', 'build-cli.mjs')], { stdio: 'inherit' });
}
