/**
 * The desktop's current project: which database file the window shows, switched by Open/New
 * project or a recent one, remembered across runs in the user-data folder (recent-projects.ts).
 */
import fs from 'node:fs';
import { Project, type StoreOpener } from '../shared/backend/project';
import type { Disposable } from '../core/common/disposable';
import { clearRecent, forgetProject, readMemory, rememberProject, writeMemory, type DesktopMemory } from './recent-projects';

export class DesktopProject implements Disposable {
  private current: Project | null = null;
  private memory: DesktopMemory;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly openStore: StoreOpener,
    private readonly memoryFile: string,
  ) {
    this.memory = readMemory(memoryFile);
    const remembered = this.memory.lastProject;
    if (remembered !== null && fs.existsSync(remembered)) this.current = new Project(remembered, openStore);
  }

  get project(): Project | null {
    return this.current;
  }

  /** Recently opened projects, newest first (the current one included). */
  get recent(): readonly string[] {
    return this.memory.recent;
  }

  /** Hears every change of the current project or the recent list (the menu is rebuilt). Returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Switches to `dbPath`; opening it first so a file that is not a natlens project is refused before the switch. */
  switchTo(dbPath: string, create: boolean): Project {
    const next = new Project(dbPath, this.openStore);
    if (create || fs.existsSync(next.dbPath)) next.write(() => undefined);
    this.current?.dispose();
    this.current = next;
    this.remember(rememberProject(this.memory, next.dbPath));
    return next;
  }

  /**
   * Switches to a listed recent project. One that is gone from disk leaves the list (and the
   * error says so); one that no longer opens stays listed, as the reason may be passing.
   */
  openRecent(dbPath: string): Project {
    if (!fs.existsSync(dbPath)) {
      this.remember(forgetProject(this.memory, dbPath));
      throw new Error(`${dbPath} no longer exists; it was removed from the recent projects`);
    }
    return this.switchTo(dbPath, false);
  }

  clearRecent(): void {
    this.remember(clearRecent(this.memory));
  }

  private remember(memory: DesktopMemory): void {
    this.memory = memory;
    writeMemory(this.memoryFile, memory);
    for (const listener of this.listeners) listener();
  }

  dispose(): void {
    this.current?.dispose();
    this.current = null;
    this.listeners.clear();
  }
}
