// Stand-alone `natlens serve` for the e2e run, used until the CLI lists the serve command.
import { runServe } from '../src/server/serve-command';

runServe(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`natlens serve: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
