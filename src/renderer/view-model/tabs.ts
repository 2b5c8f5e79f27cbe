/** The screens of the main window with their notes; ids, order and labels come from the shared list. */
import { TAB_IDS, TAB_LABELS, type TabId } from '../../shared/contract/tabs';

export type { TabId };

export interface Tab {
  id: TabId;
  label: string;
  /** False: shown greyed with a note, so the layout does not jump when the screen arrives. */
  ready: boolean;
  note: string;
}

const NOTES: Readonly<Record<TabId, string>> = {
  nodes: 'Interfaces and routes of every imported node',
  findings: 'What is wrong or suspicious, each with its evidence',
  captures: 'Every imported capture with its source',
  topology: 'Nodes, bridges, veths and pod addresses as a graph',
  trace: 'Replay a packet through the captured rules and routes',
  flows: 'NAT-aware connections across interfaces and nodes',
  reports: 'Findings with evidence, as HTML, Markdown, PDF or JSON',
};

export const TABS: readonly Tab[] = TAB_IDS.map((id) => ({ id, label: TAB_LABELS[id], ready: true, note: NOTES[id] }));
