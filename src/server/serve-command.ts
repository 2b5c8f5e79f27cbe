/**
 * `natlens serve [--db FILE] [--port N]`: the CLI's serve command, so src/cli only has to call
 * runServe(argv). Prints the URL as the first stdout line and serves until SIGINT/SIGTERM.
 */
import fs from 'node:fs';
import path from 'node:path';
import { coreStoreOpener } from '../shared/core-backend';
import { startServer, type RunningServer } from './server';
import { startServerThread, type ServerThread } from './server-thread';

export interface ServeArgs {
  dbPath: string;
  port: number;
}

export class ServeUsageError extends Error {}

export const SERVE_USAGE = `usage: natlens serve [--db FILE] [--port N]

Serves the natlens UI and its API on 127.0.0.1 until interrupted; prints the URL (with this run's
access token) as the first line on stdout.
  --db FILE   the project database (default ./natlens.db; created on first import)
  --port N    the port (default 0: any free port)`;

export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const args: ServeArgs = { dbPath: 'natlens.db', port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new ServeUsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--db':
        args.dbPath = value();
        break;
      case '--port': {
        const v = value();
        if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new ServeUsageError(`--port must be 0..65535, got ${JSON.stringify(v)}`);
        args.port = Number(v);
        break;
      }
      default:
        throw new ServeUsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return args;
}

/** The CLI's CliIo fits: text is written as given. */
export interface ServeIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: ServeIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** The worker bundle build-cli.mjs puts next to this one; absent (tests from source): imports run inline. */
function bundledImportWorker(): { importWorker?: string } {
  const script = path.join(__dirname, 'import-worker.cjs');
  return fs.existsSync(script) ? { importWorker: script } : {};
}

/** Resolves with the exit code once the server stopped (after SIGINT/SIGTERM), or at once on a usage error. */
export async function runServe(argv: readonly string[], io: ServeIo = processIo): Promise<number> {
  let args: ServeArgs;
  try {
    args = parseServeArgs(argv);
  } catch (err) {
    if (!(err instanceof ServeUsageError)) throw err;
    io.stderr(`natlens serve: ${err.message}\n`);
    io.stderr(`${SERVE_USAGE}\n`);
    return 2;
  }
  const thread = path.join(__dirname, 'serve-worker.cjs');
  if (fs.existsSync(thread)) return serveOnThread(thread, args, io);
  let server: RunningServer;
  try {
    server = await startServer({ dbPath: args.dbPath, port: args.port, openStore: coreStoreOpener(bundledImportWorker()) });
  } catch (err) {
    io.stderr(`natlens serve: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  announce(server.url, args, io);
  await interrupted();
  await server.dispose();
  io.stderr('natlens serve: stopped, database closed\n');
  return 0;
}

/** The bundled command line: the server on its own thread, this one free for signals (server-thread.ts). */
async function serveOnThread(script: string, args: ServeArgs, io: ServeIo): Promise<number> {
  let server: ServerThread;
  try {
    server = await startServerThread(script, { dbPath: args.dbPath, port: args.port });
  } catch (err) {
    io.stderr(`natlens serve: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  announce(server.url, args, io);
  await interrupted();
  const how = await server.stop();
  io.stderr(how === 'closed' ? 'natlens serve: stopped, database closed\n' : 'natlens serve: stopped; the request it was busy with was cut off, database closed\n');
  return 0;
}

function announce(url: string, args: ServeArgs, io: ServeIo): void {
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
