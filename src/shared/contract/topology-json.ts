/**
 * The `topology` answer as the UI reads it: core's view, served as it is. No external document fixes
 * this shape, so it is core's (src/core/views/topology.ts), never restated here.
 */
import type {
  TopologyBridgePort, TopologyEndpoint, TopologyInterface, TopologyNamespace, TopologyNode, TopologyPod, TopologyRoute, TopologyService,
  TopologyServicePort, TopologyView,
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
