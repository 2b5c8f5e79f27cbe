import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { fileOfItem, type Api, type ImportItem, type ImportOptions, type ProgressListener, type ShellEvent } from '../../shared/contract/api';
import type { ImportJson } from '../../shared/contract/contract-json';
import { IDLE, nextImportJob } from '../view-model/import-job';
import { ApiError } from '../../shared/contract/api-error';
import { loadProject, type ProjectSnapshot } from '../view-model/project-snapshot';
import { checkedScope, uncheckedNote } from '../view-model/findings-view';
import { tabRoute, withFilter, type Route } from '../view-model/route';
import { themeLabel } from '../view-model/theme';
import { TABS, type TabId } from '../view-model/tabs';
import { CapturesTable } from './captures-table';
import { FindingsPanel } from './findings-panel';
import { FlowsPanel } from './flows-panel';
import { ImportPanel } from './import-panel';
import { EditBarView, useProjectEdits, type RunEdit } from './edit-bar';
import { NodeCards } from './node-cards';
import { ProjectBar } from './project-bar';
import { ReportsPanel } from './reports-panel';
import { TAB_PANEL_ID, TabBar, tabElementId } from './tab-bar';
import { TopologyPanel } from './topology-panel';
import { TracePanel } from './trace-panel';
import { useRoute } from './use-route';
import { useTheme } from './use-theme';
import { usePanelTop } from './use-panel-top';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function App({ api }: { api: Api }) {
  const [snapshot, setSnapshot] = useState<ProjectSnapshot | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const { route, problem: routeProblem, navigate } = useRoute();
  const tab = route.tab;
  // Each tab's last route: only the visible tab is mounted, and choosing a tab again returns to the
  // flow, node, trace or filter it showed.
  const [visited, remember] = useReducer(rememberRoute, new Map<TabId, Route>());
  useEffect(() => remember(route), [route]);
  const { choice: themeChoice, theme, cycle: cycleTheme, toggle: toggleTheme } = useTheme();
  const selectTab = (id: TabId) => navigate(id === tab ? tabRoute(id) : (visited.get(id) ?? tabRoute(id)));
  // The menu's listener is subscribed once; it reaches the current tab and history through this.
  const selectTabRef = useRef(selectTab);
  selectTabRef.current = selectTab;
  const [job, dispatch] = useReducer(nextImportJob, IDLE);

  const refresh = useCallback(() => {
    loadProject(api)
      .then((s) => {
        setSnapshot(s);
        setLoadError(null);
      })
      .catch((err: unknown) => setLoadError(messageOf(err)));
  }, [api]);

  useEffect(refresh, [refresh]);

  const edits = useProjectEdits(api, refresh);

  // The running import's cancel: the import panel's Cancel button aborts it.
  const running = useRef<AbortController | null>(null);
  const runImport = useCallback(
    async (files: string[], start: (onProgress: ProgressListener, signal: AbortSignal) => Promise<ImportJson | null>) => {
      const controller = new AbortController();
      running.current = controller;
      dispatch({ kind: 'start', files });
      try {
        const result = await start((progress) => dispatch({ kind: 'progress', progress, at: Date.now() }), controller.signal);
        dispatch(result === null ? { kind: 'cancel' } : { kind: 'finish', result });
      } catch (err) {
        dispatch(err instanceof ApiError && err.code === 'cancelled' ? { kind: 'cancel', message: err.message } : { kind: 'fail', message: messageOf(err) });
      } finally {
        if (running.current === controller) running.current = null;
      }
      refresh();
    },
    [refresh],
  );
  const cancelImport = useCallback(() => running.current?.abort(), []);

  const importFiles = useCallback(
    (items: ImportItem[], options: ImportOptions) => {
      // An import may reuse what the trash holds: the edits before it can no longer be undone.
      edits.dismiss();
      return runImport(items.map((i) => fileOfItem(i).name), (onProgress, signal) => api.importFiles(items, options, onProgress, signal));
    },
    [api, runImport, edits.dismiss],
  );
  const chooseAndImport = useCallback(
    (options: ImportOptions) => runImport([], (onProgress, signal) => api.chooseAndImport(options, onProgress, signal)),
    [api, runImport],
  );
  const switchProject = useCallback(
    (how: 'open' | 'new') => {
      (how === 'open' ? api.openProject({}) : api.createProject({}))
        .then((info) => {
          if (info !== null) {
            dispatch({ kind: 'dismiss' });
            refresh();
          }
        })
        .catch((err: unknown) => setLoadError(messageOf(err)));
    },
    [api, refresh],
  );

  // Bumped by File › Export Report…: the Reports tab then puts the focus on its export buttons.
  const [exportRequest, setExportRequest] = useState(0);
  useEffect(
    () =>
      api.onShellEvent((event: ShellEvent) => {
        switch (event.kind) {
          case 'show-tab':
            return selectTabRef.current(event.tab);
          case 'project-changed':
            dispatch({ kind: 'dismiss' });
            return refresh();
          case 'menu':
            switch (event.command) {
              case 'open-project':
                return switchProject('open');
              case 'new-project':
                return switchProject('new');
              case 'import':
                return void chooseAndImport({});
              case 'export-report':
                selectTabRef.current('reports');
                return setExportRequest((n) => n + 1);
              case 'toggle-theme':
                return toggleTheme();
              default: {
                const never: never = event.command;
                return never;
              }
            }
          default: {
            const never: never = event;
            return never;
          }
        }
      }),
    [api, switchProject, chooseAndImport, refresh, toggleTheme],
  );

  const appRef = useRef<HTMLDivElement>(null);
  const panelRef = useRef<HTMLElement>(null);
  usePanelTop(appRef, panelRef);

  const current = TABS.find((t) => t.id === tab) ?? TABS[0];
  return (
    <div className="app" ref={appRef}>
      <ProjectBar shell={api.shell} info={snapshot?.info ?? null} onOpen={() => switchProject('open')} onNew={() => switchProject('new')} />
      {loadError !== null && (
        <p className="banner banner-error" role="alert">
          {loadError}
        </p>
      )}
      <ImportPanel api={api} job={job} disabled={api.shell === 'desktop' && snapshot?.info.dbPath === null} onFiles={importFiles} onCancel={cancelImport} onDismiss={() => dispatch({ kind: 'dismiss' })} />
      <EditBarView bar={edits.bar} onUndo={edits.undo} onDismiss={edits.dismiss} />
      <div className="tab-row">
        <TabBar tabs={TABS} current={tab} onSelect={selectTab} />
        <button type="button" className="theme-toggle" onClick={cycleTheme} data-testid="theme-toggle" aria-label={themeLabel(themeChoice, theme)} title="Switch between the system's theme, dark and light">
          {theme === 'dark' ? '☾' : '☀'} {themeChoice === 'system' ? 'Auto' : themeChoice === 'dark' ? 'Dark' : 'Light'}
        </button>
      </div>
      {routeProblem !== null && (
        <p className="banner banner-warn" role="alert" data-testid="route-problem">
          This link could not be followed: {routeProblem}.
        </p>
      )}
      <section ref={panelRef} id={TAB_PANEL_ID} className="tab-panel" role="tabpanel" aria-labelledby={tabElementId(current?.id ?? tab)}>
        <div key={tab} className="tab-content">
          {renderTab(route, snapshot, api, navigate, refresh, edits.run, exportRequest)}
        </div>
      </section>
    </div>
  );
}

function rememberRoute(visited: ReadonlyMap<TabId, Route>, route: Route): ReadonlyMap<TabId, Route> {
  return visited.get(route.tab) === route ? visited : new Map(visited).set(route.tab, route);
}

function renderTab(route: Route, snapshot: ProjectSnapshot | null, api: Api, navigate: (route: Route) => void, refresh: () => void, onEdit: RunEdit, exportRequest: number) {
  if (snapshot === null) return <p className="muted">Loading…</p>;
  switch (route.tab) {
    case 'nodes':
      return (
        <NodeCards
          nodes={snapshot.nodes}
          api={api}
          revision={snapshot}
          selected={route.node}
          filter={route.filter ?? ''}
          onFilter={(filter) => navigate(withFilter(route, filter))}
          onSelect={(node) => navigate({ ...route, node })}
          onEdit={onEdit}
        />
      );
    case 'findings':
      return (
        <FindingsPanel
          api={api}
          revision={snapshot}
          empty={snapshot.nodes.length === 0}
          scope={checkedScope(snapshot.info.nodes, snapshot.info.captures)}
          unchecked={uncheckedNote(snapshot.captures.map((c) => c.kind))}
          chosen={route.finding}
          onChoose={(finding) => navigate({ tab: 'findings', finding })}
        />
      );
    case 'captures':
      return <CapturesTable captures={snapshot.captures} nodes={snapshot.nodes} api={api} onChanged={refresh} filter={route.filter ?? ''} onFilter={(filter) => navigate(withFilter(route, filter))} onOpenNode={(node) => navigate({ tab: 'nodes', node })} onEdit={onEdit} />;
    case 'topology':
      return <TopologyPanel api={api} revision={snapshot} nodes={snapshot.nodes} highlight={route.highlight} />;
    case 'trace':
      return <TracePanel api={api} nodes={snapshot.nodes} query={route.trace} onTraced={(trace) => navigate({ tab: 'trace', trace })} />;
    case 'flows':
      return (
        <FlowsPanel
          api={api}
          revision={snapshot}
          selected={route.flow}
          filter={route.filter ?? ''}
          onSelect={(flow) => navigate({ ...route, flow })}
          onFilter={(filter) => navigate(withFilter({ ...route, flow: null }, filter))}
        />
      );
    case 'reports':
      return <ReportsPanel api={api} revision={snapshot} project={snapshot.info.dbPath} empty={snapshot.nodes.length === 0} exportRequest={exportRequest} />;
    default: {
      const never: never = route;
      return never;
    }
  }
}
