/** Starts `natlens serve` as a child process for a spec and reads the URL from its first stdout line. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface ServeProcess {
  url: URL;
  token: string;
  port: number;
  stop(): Promise<number | null>;
}

const root = path.resolve(__dirname, '..');

export function serveCommand(): string[] {
  const raw = process.env.NATLENS_SERVE;
  if (raw === undefined) throw new Error('NATLENS_SERVE is not set: run through playwright.config.ts (global setup)');
  return JSON.parse(raw) as string[];
}

export async function startServe(dbPath: string): Promise<ServeProcess> {
  const [cmd, ...args] = serveCommand();
  const child: ChildProcess = spawn(cmd ?? '', [...args, '--db', dbPath, '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const nl = buffered.indexOf('\n');
      if (nl >= 0) resolve(buffered.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`natlens serve exited with ${code}: ${stderr}`)));
  });
  const url = new URL(firstLine);
  return {
    url,
    token: url.searchParams.get('token') ?? '',
    port: Number(url.port),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}
