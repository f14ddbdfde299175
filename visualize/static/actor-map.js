(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("mapper-data").textContent);
  var t = data.strings;
  var colours = {}, sectorNames = {};
  data.sectors.forEach(function (s) { colours[s.id] = s.colour; sectorNames[s.id] = s.label; });
  var aggregated = data.mode === "aggregated";
  var large = data.mode !== "actors";

  /* include common.js */

  function regionName(region) { return region || t.unknown_region; }
  function kindNames(kinds) {
    return (kinds || []).map(function (k) { return data.kinds[k] || k; }).join(", ");
  }
  function safeUrl(url) { return /^https?:\/\//i.test(url || "") ? url : null; }

  function sourceList(sources, limit) {
    var list = el("ul");
    sources.slice(0, limit).forEach(function (source) {
      var item = el("li");
      if (source.document) { item.appendChild(el("strong", source.document)); }
      if (source.quote) {
        item.appendChild(el("span", " "));
        item.appendChild(el("q", source.quote));
      }
      var url = safeUrl(source.url);
      if (url) {
        item.appendChild(el("span", " "));
        var link = el("a", url);
        link.href = url; link.rel = "noopener noreferrer"; link.target = "_blank";
        item.appendChild(link);
      }
      list.appendChild(item);
    });
    return list;
  }

  function nodeTip(n) {
    var box = el("div", null, "tip");
    if (aggregated) {
      box.appendChild(el("strong", sectorNames[n.sector] + " · " + regionName(n.region)));
      box.appendChild(el("div", t.group_actors + ": " + n.count, "meta"));
      return box;
    }
    box.appendChild(el("strong", n.name));
    var where = (sectorNames[n.sector] || n.sector) + " · " + regionName(n.region);
    box.appendChild(el("div", where, "meta"));
    if (n.sources.length) {
      box.appendChild(el("div", t.sources + ":"));
      box.appendChild(sourceList(n.sources, 2));
    }
    return box;
  }

  function edgeTip(e) {
    var box = el("div", null, "tip");
    box.appendChild(el("strong", byId[e.from].name + " – " + byId[e.to].name));
    box.appendChild(el("div", t.weight + ": " + e.weight, "meta"));
    [[t.collaborations, e.collaborations], [t.relations, e.relations]].forEach(function (part) {
      if (part[1] && part[1].length) {
        box.appendChild(el("div", part[0] + ": " + part[1].join(", ")));
      }
    });
    return box;
  }

  var maxWeight = data.edges.reduce(function (top, e) { return Math.max(top, e.weight); }, 1);
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });

  /* Labels: bigger actors get bigger labels (canvas units, so they grow as one zooms in, up
     to MAX_LABEL_PX on the screen). chooseLabels() shows them by importance (brokers, then by
     size) and hides one that is under MIN_LABEL_PX on the screen or would cover a label
     already shown or the middle of another actor: at low zoom only the most important, more
     as one zooms in. */
  var FACE = "system-ui, sans-serif";
  var MIN_LABEL_PX = 8, MAX_LABEL_PX = 17, LINE = 1.25, PADDING = 14, MAX_SCALE = 1.6;
  function labelText(n) {
    if (aggregated) { return regionName(n.region) + "\n" + n.count; }
    return n.labelled ? (n.broker ? "★ " + n.name : n.name) : null;
  }
  function fontSize(n) {
    return aggregated ? 26 : Math.round(Math.min(17, Math.max(12, 12 + (n.size - 9) * 5 / 23)));
  }
  var measure = document.createElement("canvas").getContext("2d");
  measure.font = "100px " + FACE;
  function labelShape(n) {  // the label's width and height per unit of font size
    var text = labelText(n);
    if (text === null) { return null; }
    var lines = text.split("\n");
    var widest = lines.reduce(function (top, line) {
      return Math.max(top, measure.measureText(line).width / 100);
    }, 0);
    return { width: widest + 0.1, height: lines.length * LINE };
  }

  function visNode(n) {
    var colour = colours[n.sector] || "#777777";
    var border = n.broker ? "#000000" : colour;
    var label = labelText(n);
    var node = {
      id: n.id, sector: n.sector, label: label === null ? undefined : label,
      shape: aggregated ? "dot" : n.shape, size: n.size,
      borderWidth: n.broker ? 4 : 1, borderWidthSelected: n.broker ? 5 : 3,
      font: { size: fontSize(n) },
      color: { background: colour, border: border,
               highlight: { background: colour, border: "#000000" },
               hover: { background: colour, border: "#000000" } },
      title: nodeTip(n)
    };
    if (n.x !== undefined) { node.x = n.x; node.y = n.y; }
    return node;
  }

  function visEdge(e, index) {
    var fromSector = byId[e.from].sector, toSector = byId[e.to].sector;
    var edge = {
      id: index, from: e.from, to: e.to, fromSector: fromSector, toSector: toSector,
      width: aggregated ? 1 + 11 * e.weight / maxWeight
        : Math.min(1 + Math.log2(Math.max(e.weight, 1)), 8),
      dashes: e.cross ? false : [6, 4],
      color: { color: e.cross ? "#333333" : (colours[fromSector] || "#999999"),
               opacity: e.cross ? 0.7 : 0.55, highlight: "#000000", hover: "#000000" }
    };
    if (!large) { edge.title = edgeTip(e); }
    return edge;
  }

  var active = {};
  data.sectors.forEach(function (s) { active[s.id] = true; });
  var nodes = new vis.DataSet(data.nodes.map(visNode));
  var labels = {};  // id -> {text, font, shape, shown}, for the actors that have a label
  data.nodes.forEach(function (n) {
    var shape = labelShape(n);
    if (shape) {
      labels[n.id] = { text: labelText(n), font: fontSize(n), shape: shape, shown: true };
    }
  });
  var byImportance = data.nodes.slice().sort(function (a, b) {
    return (b.broker - a.broker) || (b.size - a.size) || (b.degree - a.degree) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  });
  var edges = new vis.DataSet(data.edges.map(visEdge));
  var nodeView = new vis.DataView(nodes, {
    filter: function (n) { return active[n.sector] === true; }
  });
  var edgeView = new vis.DataView(edges, {
    filter: function (e) { return active[e.fromSector] === true && active[e.toSector] === true; }
  });

  function showCount() {
    var shown = nodeView.length;
    if (aggregated) {
      shown = nodeView.get().reduce(function (sum, n) { return sum + byId[n.id].count; }, 0);
    }
    document.getElementById("shown").textContent = String(shown);
  }

  function setSector(sector, on) {
    active[sector] = !!on;
    nodeView.refresh();
    edgeView.refresh();
    showCount();
    if (window.mapperMap.ready) { relabel(); }
  }

  // -- fit and labels ----------------------------------------------------------------------

  function extent(n) {  // half the width of the node's shape, border included
    return n.size + (n.broker ? 2.5 : 1);
  }
  function labelRect(n, p, font) {  // [left, top, right, bottom] in canvas units
    var shape = labels[n.id].shape, half = shape.width * font / 2, top = p.y + extent(n) + 3;
    return [p.x - half, top, p.x + half, top + shape.height * font];
  }
  /* The box, in canvas coordinates, of every shown actor with its label at full size: every
     label, or with `chosen` only those. */
  function contentBox(chosen) {
    var shown = nodeView.getIds();
    var positions = network.getPositions(shown);
    var box = null;
    shown.forEach(function (id) {
      var n = byId[id], p = positions[id], r = extent(n);
      box = grow(box, p.x - r, p.y - r, p.x + r, p.y + r);
      if (labels[id] && (!chosen || chosen[id])) {
        var rect = labelRect(n, p, labels[id].font);
        box = grow(box, rect[0], rect[1], rect[2], rect[3]);
      }
    });
    return box;
  }
  function fitView(chosen) {
    return viewOf(container, contentBox(chosen), PADDING, MAX_SCALE);
  }
  function currentView() {
    return { position: network.getViewPosition(), scale: network.getScale() };
  }

  /* The labels to show in `view`, by importance: each where it overlaps no label already
     chosen and not the middle of another actor, and is at least MIN_LABEL_PX on the screen.
     With `within`, only labels that lie inside the canvas at full size (as vis-network's
     bounding box has them). Returns {id: true}. */
  function chooseLabels(view, within) {
    var scale = view.scale, chosen = {}, grid = new Grid(64);
    var shown = nodeView.getIds(), positions = network.getPositions(shown);
    var width = container.clientWidth / scale, height = container.clientHeight / scale;
    var left = view.position.x - width / 2, top = view.position.y - height / 2;
    shown.forEach(function (id) {  // the middle of each actor: a label may cross its rim
      var p = positions[id], r = Math.max(0.5 * extent(byId[id]) * scale - 2, 1);
      grid.add([p.x * scale - r, p.y * scale - r, p.x * scale + r, p.y * scale + r], id);
    });
    byImportance.forEach(function (n) {
      var label = labels[n.id], p = positions[n.id];
      if (!label || !p || label.font * scale < MIN_LABEL_PX) { return; }
      if (within) {
        var full = labelRect(n, p, label.font);
        if (full[0] < left || full[2] > left + width || full[3] > top + height) { return; }
      }
      var drawn = labelRect(n, p, Math.min(label.font, MAX_LABEL_PX / scale));
      var rect = [drawn[0] * scale - 2, drawn[1] * scale - 1, drawn[2] * scale + 2,
                  drawn[3] * scale + 1];
      if (grid.hits(rect, n.id)) { return; }
      grid.add(rect, null);
      chosen[n.id] = true;
    });
    return chosen;
  }
  var labelledAt = null;  // the scale the labels were last chosen for
  function showLabels(chosen, scale) {
    var changes = [];
    Object.keys(labels).forEach(function (id) {
      var label = labels[id], show = chosen[id] === true;
      if (show !== label.shown) {
        label.shown = show;
        changes.push({ id: id, label: show ? label.text : "" });
      }
    });
    labelledAt = scale;
    if (changes.length) { nodes.update(changes); }
  }
  function relabel() {
    var view = currentView();
    showLabels(chooseLabels(view, false), view.scale);
  }
  /* Fit the map with every label; choose the labels at that zoom; fit closer, to the labels
     chosen; choose again there, keeping every label inside the canvas. One move, one drawing. */
  function arrange() {
    var first = fitView(null);
    if (!first) { relabel(); return; }
    var view = fitView(chooseLabels(first, false)) || first;
    showLabels(chooseLabels(view, true), view.scale);
    moveTo(network, view);
  }

  /* Rectangles [left, top, right, bottom] in screen pixels, hashed into square cells. */
  function Grid(cell) { this.cell = cell; this.cells = {}; }
  Grid.prototype.keys = function (rect) {
    var keys = [], c = this.cell;
    for (var x = Math.floor(rect[0] / c); x <= Math.floor(rect[2] / c); x++) {
      for (var y = Math.floor(rect[1] / c); y <= Math.floor(rect[3] / c); y++) {
        keys.push(x + "," + y);
      }
    }
    return keys;
  };
  Grid.prototype.add = function (rect, owner) {
    var cells = this.cells;
    this.keys(rect).forEach(function (key) {
      (cells[key] = cells[key] || []).push([rect, owner]);
    });
  };
  Grid.prototype.hits = function (rect, owner) {
    var cells = this.cells;
    return this.keys(rect).some(function (key) {
      return (cells[key] || []).some(function (item) {
        var other = item[0];
        return item[1] !== owner && rect[0] < other[2] && other[0] < rect[2] &&
          rect[1] < other[3] && other[1] < rect[3];
      });
    });
  };

  function drillDownHref(n) {
    var params = new URLSearchParams();
    Object.keys(data.query).forEach(function (key) {
      if (key === "sector" || key === "region") { return; }
      [].concat(data.query[key]).forEach(function (value) { params.append(key, String(value)); });
    });
    params.append("sector", n.sector);
    if (n.region) { params.append("region", n.region); }
    params.set("lang", data.lang);
    return "?" + params.toString();
  }

  function showDetails(id) {
    var n = byId[id];
    var body = document.getElementById("details-body");
    body.replaceChildren();
    if (!n) { return; }
    var list = el("dl");
    if (aggregated) {
      body.appendChild(el("p", sectorNames[n.sector] + " · " + regionName(n.region), "name"));
      row(list, t.group_actors, n.count);
      body.appendChild(list);
      var link = el("a", t.drill_down + " →");
      link.href = drillDownHref(n);
      body.appendChild(el("p")).appendChild(link);
      return;
    }
    body.appendChild(el("p", n.name, "name"));
    row(list, t.sector, sectorNames[n.sector] || n.sector);
    row(list, t.kind, kindNames(n.kinds));
    row(list, t.subsector, n.subsector);
    row(list, t.region, regionName(n.region));
    row(list, t.degree, n.degree);
    if (data.size_by !== "degree") { row(list, data.measure, n.score); }
    if (n.broker) { row(list, "★", t.broker_short); }
    body.appendChild(list);
    body.appendChild(el("h2", t.sources));
    body.appendChild(n.sources.length ? sourceList(n.sources, 50) : el("p", t.no_sources, "note"));
    if (data.api_base || window.location.protocol !== "file:") {
      var api = el("a", t.api_link + " →");
      api.href = data.api_base + "/actors/" + encodeURIComponent(n.id);
      api.id = "api-link";
      body.appendChild(el("p")).appendChild(api);
    }
  }

  function status() {
    var line = document.getElementById("status");
    if (aggregated) {
      line.textContent = t.aggregated.replace("{n}", data.actors)
        .replace("{limit}", data.aggregate_threshold);
    } else if (large) {
      line.textContent = t.large.replace("{n}", data.actors);
    } else if (!data.nodes.length) {
      line.textContent = t.empty;
    }
  }

  var options = {
    autoResize: true,
    layout: { improvedLayout: false, randomSeed: 7 },
    physics: data.physics ? {
      solver: "forceAtlas2Based",
      forceAtlas2Based: { gravitationalConstant: -90, springLength: 130, avoidOverlap: 0.6 },
      stabilization: { enabled: true, iterations: 500, fit: false }
    } : false,
    interaction: { hover: !large, tooltipDelay: 120, hideEdgesOnDrag: large,
                   hideEdgesOnZoom: large, keyboard: true },
    nodes: { font: { size: 13, face: FACE, strokeWidth: 3, strokeColor: "#ffffff",
                     color: "#1a1a1a" },
             scaling: { label: { enabled: false, maxVisible: MAX_LABEL_PX,
                                 drawThreshold: MIN_LABEL_PX } } },
    edges: { smooth: false, selectionWidth: 2 }
  };

  var container = document.getElementById("map");
  var network = new vis.Network(container, {}, options);
  window.mapperNetwork = network;
  window.mapperMap = { ready: false, data: data, nodes: nodeView, edges: edgeView,
                       setSector: setSector, showDetails: showDetails, fit: arrange };
  var ready = readyWhenArranged(network);
  whenResized(network, arrange);
  var relabelling = null;
  network.on("afterDrawing", function () {  // after a zoom, by hand or by focus()
    if (!ready.arranged || labelledAt === null) { return; }
    if (Math.abs(network.getScale() - labelledAt) / labelledAt < 0.03) { return; }
    window.clearTimeout(relabelling);
    relabelling = window.setTimeout(relabel, 120);
  });
  network.on("dragEnd", function (params) { if (params.nodes.length) { relabel(); } });
  network.on("click", function (params) {
    if (params.nodes.length) { showDetails(params.nodes[0]); }
  });
  network.setData({ nodes: nodeView, edges: edgeView });
  whenSettled(network, data.physics, function () {  // before the layout is first drawn
    arrange();
    ready.arranged = true;
  });

  Array.prototype.forEach.call(document.querySelectorAll("input.sector-filter"), function (box) {
    box.addEventListener("change", function () { setSector(box.value, box.checked); });
  });
  serverLinks(data.api_base);
  status();
  showCount();
})();
