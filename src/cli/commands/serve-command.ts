import { runServe, SERVE_USAGE } from '../../server/serve-command';
import type { CliCommand } from '../command';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the UI on 127.0.0.1 (web mode)',
  usage: SERVE_USAGE,
  run: (argv, io) => runServe(argv, io),
};
