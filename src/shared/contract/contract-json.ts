/**
 * The JSON documents of CONTRACT.md's `nodes --json` and `import --json`, as the UI reads them: core's
 * views (src/core/views/nodes.ts, src/core/views/import.ts), served as they are. contract-shapes.ts checks
 * at compile time that they keep every field CONTRACT.md names, so a drift breaks the build instead of a script.
 */
import type { ImportedCapture, ImportedFile, ImportProblem, ImportReport } from '../../core/views/import';
import type { CaptureView, FdbView, InterfaceView, NeighbourView, NodeView, RouteView, RuleView, StateConflict } from '../../core/views/nodes';

export type InterfaceJson = InterfaceView;
export type RouteJson = RouteView;
export type NodeCaptureJson = CaptureView;
/** One element of `natlens nodes --json`. */
export type NodeJson = NodeView;
export type ConflictJson = StateConflict;
export type RuleJson = RuleView;
export type NeighbourJson = NeighbourView;
export type FdbJson = FdbView;

export type ImportedCaptureJson = ImportedCapture;
export type ImportErrorJson = ImportProblem;
/** A warning with the place it is about (and the lines, for data not read). */
export type ImportWarningJson = ImportProblem;
/** What became of one input file's lines that look like data (rules, addresses, routes, conntrack entries, packets), and the nodes its captures went to. */
export type ImportFileJson = ImportedFile;
/** `natlens import --json`. */
export type ImportJson = ImportReport;
