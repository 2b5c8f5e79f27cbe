import { terminalSafeIo, type CliIo } from './cli-io';
import { COMMANDS } from './command-table';
import { EXIT_OK, EXIT_REJECTED, EXIT_USAGE, UsageError, type CommandEntry } from './command';
import fs from 'node:fs';
import path from 'node:path';

function globalUsage(commands: readonly CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: natlens <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `natlens <command> --help` for its options, `natlens --version` for the version. Exit codes: 0 ok, 1 input rejected, 2 usage error.',
  ].join('\n');
}

/** argv (without node and script) → exit code. Usage errors exit 2; anything unexpected 1, with its message. */
export async function runCli(argv: readonly string[], rawIo: CliIo, commands: readonly CommandEntry[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  // Documents on stdout (JSON, the collector script) are exact; every other write shows control characters as text.
  const io = terminalSafeIo(rawIo, name === 'collect' || rest.some((a) => a === '--json' || a.startsWith('--json=')));
  if (name === undefined) {
    io.stderr(`${globalUsage(commands)}\n`);
    return EXIT_USAGE;
  }
  if (name === '--version' || name === '-V') {
    // The package's own file, read only here: the same two folders up from src/cli and from the bundle in out/cli.
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    io.stdout(`natlens ${version}\n`);
    return EXIT_OK;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    io.stdout(`${topic ? (await topic.load()).usage : globalUsage(commands)}\n`);
    return EXIT_OK;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr(`natlens: unknown command ${JSON.stringify(name)}\n${globalUsage(commands)}\n`);
    return EXIT_USAGE;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`natlens ${command.name}: ${e.message}\n${command.usage}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`natlens ${command.name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_REJECTED;
  }
}
