/**
 * The desktop's current project: which database file the window shows, switched by Open/New
 * project, remembered across runs in the user-data folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Project, type StoreOpener } from '../shared/backend/project';
import type { Disposable } from '../core/common/disposable';

export class DesktopProject implements Disposable {
  private current: Project | null = null;

  constructor(
    private readonly openStore: StoreOpener,
    private readonly memoryFile: string,
  ) {
    const remembered = this.remembered();
    if (remembered !== null && fs.existsSync(remembered)) this.current = new Project(remembered, openStore);
  }

  get project(): Project | null {
    return this.current;
  }

  /** Switches to `dbPath`; opening it first so a file that is not a natlens project is refused before the switch. */
  switchTo(dbPath: string, create: boolean): Project {
    const next = new Project(dbPath, this.openStore);
    if (create || fs.existsSync(next.dbPath)) next.write(() => undefined);
    this.current?.dispose();
    this.current = next;
    fs.mkdirSync(path.dirname(this.memoryFile), { recursive: true });
    fs.writeFileSync(this.memoryFile, JSON.stringify({ lastProject: next.dbPath }));
    return next;
  }

  private remembered(): string | null {
    try {
      const value = JSON.parse(fs.readFileSync(this.memoryFile, 'utf8')) as { lastProject?: unknown };
      return typeof value.lastProject === 'string' ? value.lastProject : null;
    } catch {
      return null;
    }
  }

  dispose(): void {
    this.current?.dispose();
    this.current = null;
  }
}
