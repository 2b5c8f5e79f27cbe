/**
 * `natlens serve [--db FILE] [--port N]`: serves the UI and its API on 127.0.0.1 (src/server). Prints
 * the URL as the first stdout line and serves until SIGINT/SIGTERM.
 */
import fs from 'node:fs';
import path from 'node:path';
import { coreStoreOpener } from '../../shared/backend/core-backend';
import { startServer, type RunningServer } from '../../server/server';
import { startServerThread, type ServerThread } from '../../server/server-thread';
import { DB_OPTION, DEFAULT_DB, parseArgv, stringOption } from '../argv';
import type { CliIo } from '../cli-io';
import { EXIT_OK, EXIT_REJECTED, UsageError, type CliCommand } from '../command';

export interface ServeArgs {
  dbPath: string;
  port: number;
}

const USAGE = `usage: natlens serve [--db FILE] [--port N]

Serves the natlens UI and its API on 127.0.0.1 until interrupted; prints the URL (with this run's
access token) as the first line on stdout.
  --db FILE   the project database (default ./natlens.db; created on first import)
  --port N    the port (default 0: any free port)`;

/** Throws UsageError for an unknown flag, a missing value or a port outside 0..65535. */
export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const args = parseArgv(argv, { ...DB_OPTION, port: { type: 'string' } }, false);
  const port = stringOption(args, 'port') ?? '0';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new UsageError(`--port must be 0..65535, got ${JSON.stringify(port)}`);
  return { dbPath: stringOption(args, 'db') ?? DEFAULT_DB, port: Number(port) };
}

/** The worker bundle build-cli.mjs puts next to this one; absent (tests from source): imports run inline. */
function bundledImportWorker(): { importWorker?: string } {
  const script = path.join(__dirname, 'import-worker.cjs');
  return fs.existsSync(script) ? { importWorker: script } : {};
}

/** Resolves with the exit code once the server stopped (after SIGINT/SIGTERM). */
async function serve(args: ServeArgs, io: CliIo): Promise<number> {
  const thread = path.join(__dirname, 'serve-worker.cjs');
  if (fs.existsSync(thread)) return serveOnThread(thread, args, io);
  let server: RunningServer;
  try {
    server = await startServer({ dbPath: args.dbPath, port: args.port, openStore: coreStoreOpener(bundledImportWorker()) });
  } catch (err) {
    io.stderr(`natlens serve: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_REJECTED;
  }
  // Listening for the signals before the URL is out: whoever reads the URL may stop the server at once.
  const stopped = interrupted();
  announce(server.url, args, io);
  await stopped;
  await server.dispose();
  io.stderr('natlens serve: stopped, database closed\n');
  return EXIT_OK;
}

/** The bundled command line: the server on its own thread, this one free for signals (server-thread.ts). */
async function serveOnThread(script: string, args: ServeArgs, io: CliIo): Promise<number> {
  let server: ServerThread;
  try {
    server = await startServerThread(script, { dbPath: args.dbPath, port: args.port });
  } catch (err) {
    io.stderr(`natlens serve: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_REJECTED;
  }
  const stopped = interrupted();
  announce(server.url, args, io);
  await stopped;
  const how = await server.stop();
  io.stderr(how === 'closed' ? 'natlens serve: stopped, database closed\n' : 'natlens serve: stopped; the request it was busy with was cut off, database closed\n');
  return EXIT_OK;
}

function announce(url: string, args: ServeArgs, io: CliIo): void {
  io.stdout(`${url}\n`);
  io.stderr(`natlens serve: project ${args.dbPath}; open the URL above (it carries this run's token). Ctrl-C stops.\n`);
}

function interrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the UI on 127.0.0.1 (web mode)',
  usage: USAGE,
  run: (argv, io) => serve(parseServeArgs(argv), io),
};
