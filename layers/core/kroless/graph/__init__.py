"""The graph compiler: an RGD in, a validated DAG of resources with compiled expressions out."""

from kroless.graph.builder import Options, build_graph
from kroless.graph.graph import Graph, Node, NodeType
from kroless.graph.kinds import KindInfo, KindRegistry

__all__ = ["Graph", "KindInfo", "KindRegistry", "Node", "NodeType", "Options", "build_graph"]
