(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("mapper-data").textContent);
  var t = data.strings;

  /* include common.js */

  function tip(lines) {
    var box = el("div", null, "tip");
    box.appendChild(el("strong", lines[0]));
    lines.slice(1).forEach(function (line) { box.appendChild(el("div", line, "meta")); });
    return box;
  }
  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    return { id: n.id, label: n.label + "\n" + n.count + " " + t.actors, x: n.x, y: n.y,
             size: n.size, shape: "dot", color: { background: n.colour, border: "#333333" },
             borderWidth: 1, font: { size: 16, strokeWidth: 4, strokeColor: "#ffffff" },
             title: tip([n.label, t.group_actors + ": " + n.count]) };
  }));
  var edges = new vis.DataSet(data.edges.map(function (e, index) {
    return { id: index, from: e.from, to: e.to, width: e.width, dashes: e.gap ? [10, 6] : false,
             label: e.label, color: { color: e.colour, highlight: e.colour, hover: e.colour },
             font: { size: 13, align: "horizontal", strokeWidth: 4, strokeColor: "#ffffff",
                     background: "rgba(255,255,255,0.85)" },
             smooth: { enabled: true, type: "curvedCW", roundness: e.roundness },
             selfReference: { size: 45, angle: e.angle, renderBehindTheNode: true },
             title: tip(e.tip) };
  }));
  var LOOP = 45, PADDING = 14, MAX_SCALE = 1.4;
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });

  /* Everything drawn, in canvas coordinates: the nodes with their labels (getBoundingBox), the
     loops (a circle of radius LOOP on the node's border, at the loop's angle) and the links'
     labels. vis-network keeps no public box for a link's label; it is read from the label
     module of the pinned vis-network 9.1.2 once it has been drawn. */
  function contentBox() {
    var box = null, positions = network.getPositions();
    nodes.getIds().forEach(function (id) {
      var b = network.getBoundingBox(id);
      if (b) { box = grow(box, b.left, b.top, b.right, b.bottom); }
    });
    data.edges.forEach(function (e, index) {
      if (e.from === e.to && positions[e.from]) {
        var p = positions[e.from], r = byId[e.from].size + 1, reach = LOOP + e.width / 2;
        var cx = p.x + r * Math.cos(e.angle), cy = p.y - r * Math.sin(e.angle);
        box = grow(box, cx - reach, cy - reach, cx + reach, cy + reach);
      }
      var edge = network.body.edges[index];
      var size = edge && edge.labelModule && edge.labelModule.size;
      if (size && size.width > 0) {
        box = grow(box, size.left, size.top, size.left + size.width, size.top + size.height);
      }
    });
    return box;
  }
  function fit() {
    network.fit({ animation: false });  // every node on the canvas, so that all are drawn
    network.redraw();                   // and their labels' boxes are up to date
    moveTo(network, viewOf(container, contentBox(), PADDING, MAX_SCALE));
  }

  var options = {
    autoResize: true, physics: false, layout: { improvedLayout: false },
    interaction: { hover: true, tooltipDelay: 100, dragNodes: true }
  };
  var container = document.getElementById("map");
  var network = new vis.Network(container, {}, options);
  window.mapperNetwork = network;
  window.mapperMap = { ready: false, data: data, nodes: nodes, edges: edges, fit: fit };
  var ready = readyWhenArranged(network);
  whenResized(network, fit);
  network.setData({ nodes: nodes, edges: edges });
  network.once("afterDrawing", function () {  // the labels' boxes are known once drawn
    window.setTimeout(function () {
      fit();
      ready.arranged = true;
      network.redraw();
    }, 0);
  });
  serverLinks(data.api_base);
})();
