// Automatic layout (dagre, top to bottom) for scenarios that come without positions.
import dagre from "@dagrejs/dagre";
import type { GraphEdge, GraphNode } from "./mapping";

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 110;

export function autoLayout(nodes: GraphNode[], edges: GraphEdge[]): GraphNode[] {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 90 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) graph.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of edges) graph.setEdge(edge.source, edge.target, {}, edge.id);
  dagre.layout(graph);
  return nodes.map((node) => {
    const { x, y } = graph.node(node.id);
    return { ...node, position: { x: Math.round(x - NODE_WIDTH / 2), y: Math.round(y - NODE_HEIGHT / 2) } };
  });
}
