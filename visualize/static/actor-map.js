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

  function visNode(n) {
    var colour = colours[n.sector] || "#777777";
    var border = n.broker ? "#000000" : colour;
    var label = aggregated ? regionName(n.region) + "\n" + n.count
      : (n.labelled ? (n.broker ? "★ " + n.name : n.name) : undefined);
    var node = {
      id: n.id, sector: n.sector, label: label, shape: aggregated ? "dot" : n.shape, size: n.size,
      borderWidth: n.broker ? 4 : 1, borderWidthSelected: n.broker ? 5 : 3,
      color: { background: colour, border: border,
               highlight: { background: colour, border: "#000000" },
               hover: { background: colour, border: "#000000" } },
      title: nodeTip(n)
    };
    if (aggregated) { node.font = { size: 26 }; }
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
  }

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
      stabilization: { enabled: true, iterations: 500, fit: true }
    } : false,
    interaction: { hover: !large, tooltipDelay: 120, hideEdgesOnDrag: large,
                   hideEdgesOnZoom: large, keyboard: true },
    nodes: { font: { size: 13, face: "system-ui, sans-serif", strokeWidth: 3,
                     strokeColor: "#ffffff", color: "#1a1a1a" } },
    edges: { smooth: false, selectionWidth: 2 }
  };

  var network = new vis.Network(document.getElementById("map"), {}, options);
  window.mapperNetwork = network;
  window.mapperMap = { ready: false, data: data, nodes: nodeView, edges: edgeView,
                       setSector: setSector, showDetails: showDetails };
  whenDrawn(network, data.physics);
  network.on("click", function (params) {
    if (params.nodes.length) { showDetails(params.nodes[0]); }
  });
  network.setData({ nodes: nodeView, edges: edgeView });

  Array.prototype.forEach.call(document.querySelectorAll("input.sector-filter"), function (box) {
    box.addEventListener("change", function () { setSector(box.value, box.checked); });
  });
  if (window.location.protocol === "file:") {
    document.querySelector("#filters fieldset").disabled = true;
  } else {
    document.getElementById("filters-note").hidden = true;
  }
  status();
  showCount();
})();
