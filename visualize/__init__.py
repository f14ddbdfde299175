"""Interactive, self-contained HTML maps: the actor map and the gap map (vis-network, inlined)."""

from visualize.actor_map import render_actor_map
from visualize.gap_map import render_gap_map

__all__ = ["render_actor_map", "render_gap_map"]
