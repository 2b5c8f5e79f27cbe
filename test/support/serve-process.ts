/** `natlens serve` (the built CLI) as a child process, for tests that signal it. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach } from 'vitest';

export interface ServeProcess {
  child: ChildProcess;
  /** The URL it printed first (with this run's token). */
  url: Promise<URL>;
  /** What it said on stderr so far. */
  stderr(): string;
  /** Its exit code (null: killed by a signal). */
  exited: Promise<number | null>;
}

/** Starts servers for the calling test file; any still running after a test is killed (a server must not outlive it). */
export function useServeProcesses(): (dbPath: string) => ServeProcess {
  const running: ChildProcess[] = [];
  afterEach(() => {
    for (const child of running.splice(0)) child.kill('SIGKILL');
  });
  return (dbPath) => {
    const child = spawn(process.execPath, [path.join(process.cwd(), 'bin', 'natlens'), 'serve', '--db', dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const url = new Promise<URL>((resolve) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(new URL(out.split('\n')[0]!));
      });
    });
    return { child, url, stderr: () => stderr, exited };
  };
}
