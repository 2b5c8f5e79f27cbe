/**
 * The main window's screens, in order: the page's tab bar, its `#/<tab>` routes and the desktop
 * View menu (Ctrl/Cmd+1..n) all read this one list.
 */
export const TAB_IDS = ['nodes', 'findings', 'captures', 'topology', 'trace', 'flows', 'reports'] as const;
export type TabId = (typeof TAB_IDS)[number];

export const TAB_LABELS: Readonly<Record<TabId, string>> = {
  nodes: 'Nodes',
  findings: 'Findings',
  captures: 'Captures',
  topology: 'Topology',
  trace: 'Trace',
  flows: 'Flows',
  reports: 'Reports',
};
