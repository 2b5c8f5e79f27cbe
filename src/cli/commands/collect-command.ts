import { COLLECTOR_SCRIPT } from '../../shared/contract/collector-script';
import { flagOption, parseArgv } from '../argv';
import type { CliIo } from '../cli-io';
import { EXIT_OK, UsageError, type CliCommand } from '../command';

const USAGE = `usage: natlens collect --print

Prints the collector, a POSIX shell script to run as root on a node:
  natlens collect --print > collect.sh; scp collect.sh NODE:; ssh NODE sudo sh collect.sh /tmp
It writes one tarball of the node's network state (its path is the last line it prints), which
\`natlens import\` reads as one node. See the comment at the top of the script for its options.
  --print     write the script to stdout`;

export const collectCommand: CliCommand = {
  name: 'collect',
  summary: 'print the collector script that gathers a node\'s network state into one tarball',
  usage: USAGE,
  async run(argv, io: CliIo) {
    const args = parseArgv(argv, { print: { type: 'boolean' } }, false);
    if (!flagOption(args, 'print')) throw new UsageError('--print is required (the script goes to stdout)');
    io.stdout(COLLECTOR_SCRIPT);
    return EXIT_OK;
  },
};
