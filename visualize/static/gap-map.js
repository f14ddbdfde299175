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
  var options = {
    autoResize: true, physics: false, layout: { improvedLayout: false },
    interaction: { hover: true, tooltipDelay: 100, dragNodes: true }
  };
  var network = new vis.Network(document.getElementById("map"), {}, options);
  window.mapperNetwork = network;
  window.mapperMap = { ready: false, data: data, nodes: nodes, edges: edges };
  whenDrawn(network, false);
  network.setData({ nodes: nodes, edges: edges });
  network.fit({ animation: false });
})();
