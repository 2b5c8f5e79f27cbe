/** The screens of the main window; the list is here once. */
export type TabId = 'nodes' | 'findings' | 'captures' | 'topology' | 'trace' | 'flows' | 'reports';

export interface Tab {
  id: TabId;
  label: string;
  /** False: shown greyed with a note, so the layout does not jump when the screen arrives. */
  ready: boolean;
  note: string;
}

export const TABS: readonly Tab[] = [
  { id: 'nodes', label: 'Nodes', ready: true, note: 'Interfaces and routes of every imported node' },
  { id: 'findings', label: 'Findings', ready: true, note: 'What is wrong or suspicious, each with its evidence' },
  { id: 'captures', label: 'Captures', ready: true, note: 'Every imported capture with its source' },
  { id: 'topology', label: 'Topology', ready: true, note: 'Nodes, bridges, veths and pod addresses as a graph' },
  { id: 'trace', label: 'Trace', ready: true, note: 'Replay a packet through the captured rules and routes' },
  { id: 'flows', label: 'Flows', ready: true, note: 'NAT-aware connections across interfaces and nodes' },
  { id: 'reports', label: 'Reports', ready: true, note: 'Findings with evidence, as HTML, Markdown, PDF or JSON' },
];
