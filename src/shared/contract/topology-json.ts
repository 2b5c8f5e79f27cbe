/**
 * The `topology` answer as the UI reads it: core's view, served as it is. No external document fixes
 * this shape, so it is core's (src/core/views/topology.ts), never restated here.
 */
import type {
  TopologyBridgePort, TopologyEndpoint, TopologyInterface, TopologyNamespace, TopologyNode, TopologyPod, TopologyRoute, TopologyService,
  TopologyServicePort, TopologyView, TopologyNodeSummary, TopologyRoutePair, TopologyRoutes, TopologySummary,
} from '../../core/views/topology';

export type TopologyInterfaceJson = TopologyInterface;
export type TopologyRouteJson = TopologyRoute;
export type TopologyBridgePortJson = TopologyBridgePort;
export type TopologyNamespaceJson = TopologyNamespace;
export type TopologyNodeJson = TopologyNode;
export type TopologyServicePortJson = TopologyServicePort;
export type TopologyEndpointJson = TopologyEndpoint;
export type TopologyServiceJson = TopologyService;
export type TopologyPodJson = TopologyPod;
export type TopologyJson = TopologyView;

/**
 * The overview's answer (`topologySummary`): per node what its box shows, the routes between nodes reduced
 * to node pairs or one full mesh, services and pods; node details come on expand, through `topologyNodes`.
 */
export type TopologyNodeSummaryJson = TopologyNodeSummary;
export type TopologyRoutePairJson = TopologyRoutePair;
export type TopologyRoutesJson = TopologyRoutes;
export type TopologySummaryJson = TopologySummary;

/** At this many nodes and more, a full mesh of routes is sent (and drawn) as one overlay, not pair by pair. */
export const FULL_MESH_SUMMARY_MIN_NODES = 4;

/** Nodes one `topology` answer carries when the request names no `limit`, and at most. */
export const TOPOLOGY_PAGE = 20;
export const MAX_TOPOLOGY_PAGE = 500;

/**
 * `GET /api/topology?offset=N&limit=M`: a page of the nodes (in node order) with the whole of what the
 * page stands in (`page`); services and pods come with the first page (offset 0) only, empty on later ones.
 * An empty project answers `{nodes: [], services: [], pods: []}` without `page`.
 */
export interface TopologyPageJson extends TopologyJson {
  page?: { offset: number; limit: number; totalNodes: number; nextOffset: number | null };
}
