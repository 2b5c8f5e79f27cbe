import type { ProjectInfo } from '../../shared/contract/api';
import { counted } from '../view-model/counted';

interface Props {
  shell: 'desktop' | 'web';
  info: ProjectInfo | null;
  onOpen: () => void;
  onNew: () => void;
}

export function ProjectBar({ shell, info, onOpen, onNew }: Props) {
  return (
    <header className="project-bar">
      <div className="brand">
        natlens<span className="shell-badge">{shell === 'web' ? 'web' : 'desktop'}</span>
      </div>
      <div className="project" title={info?.dbPath ?? undefined}>
        <span className="label">Project</span>
        <span className="path" data-testid="project-path">
          {info === null ? '…' : (info.dbPath ?? 'none — open or create one')}
        </span>
        {info !== null && info.dbPath !== null && (
          <span className="muted counts">
            {info.exists ? `${counted(info.nodes, 'node')} · ${counted(info.captures, 'capture')}` : 'empty — created on first import'}
          </span>
        )}
      </div>
      {shell === 'desktop' && (
        <div className="actions">
          <button type="button" onClick={onOpen}>
            Open project…
          </button>
          <button type="button" onClick={onNew}>
            New project…
          </button>
        </div>
      )}
    </header>
  );
}
