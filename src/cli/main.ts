/** bin/natlens → out/cli/natlens.cjs (bundled by scripts/build-cli.mjs). See CONTRACT.md. */
import { processIo } from './cli-io';
import { runCli } from './run-cli';
import { useDumpReaderWorker } from '../core/import/dump-reader-location';

// Large iptables-save dumps are read by out/cli/dump-reader-worker.cjs while this thread stores them.
useDumpReaderWorker(__dirname);

// `natlens flows | head`: the reader went away; stop quietly instead of dying on an unhandled EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});

runCli(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`natlens: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
