/* The large actor map: sigma.js (WebGL) over a graphology graph, laid out on the server.
   Reads the page's JSON data (#map-data) and only ever sets textContent: names stay text. */
(function () {
  "use strict";
  var timings = window.mapTimings = { start: performance.now() };
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var S = data.strings;
  var nodes = data.nodes;
  var n = nodes.id.length;
  var container = document.getElementById("graph");
  var state = { focus: null, depth: 1, sectors: {}, country: "all", grouping: data.grouping,
                group: null };
  data.sectors.forEach(function (s) { state.sectors[s] = true; });

  var saved = window.location.protocol === "file:" && !data.api_base;
  if (saved) {
    data.api_base = null;
    var nav = document.querySelector(".nav");
    if (nav) nav.hidden = true;
    document.getElementById("saved-note").hidden = false;
  }
  function openUrl(community) {  // the map of one community: this page's scope and language
    var params = new URLSearchParams(window.location.search);
    params.set("community", community);
    return (data.api_base || "") + "/map?" + params.toString();
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  // ---- search: case-, accent- and transliteration-folded -------------------------------
  var FOLD = { "æ": "ae", "ø": "o", "ß": "ss", "œ": "oe", "ð": "d", "þ": "th" };
  function fold(text) {
    text = String(text || "").toLowerCase();
    text = text.replace(/[æøßœðþ]/g, function (c) { return FOLD[c]; });
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/(aa|ae|oe)/g, function (pair) { return pair[0]; });
  }
  var searchKeys = new Array(n);
  for (var i = 0; i < n; i++) {
    var names = [nodes.label[i]];
    if (nodes.name_en && nodes.name_en[i]) names.push(nodes.name_en[i]);
    if (nodes.aliases && nodes.aliases[i]) names = names.concat(nodes.aliases[i]);
    names.push(nodes.id[i]);
    searchKeys[i] = names.map(fold);
  }
  function search(query, limit) {
    var q = fold(query).trim();
    if (!q) return [];
    var found = [];
    for (var i = 0; i < n; i++) {
      var rank = 9;
      searchKeys[i].forEach(function (key) {
        if (key === q) rank = Math.min(rank, 0);
        else if (key.indexOf(q) === 0) rank = Math.min(rank, 1);
        else if ((" " + key).indexOf(" " + q) >= 0) rank = Math.min(rank, 2);
        else if (key.indexOf(q) >= 0) rank = Math.min(rank, 3);
      });
      if (rank < 9) found.push([rank, -nodes.size[i], i]);
    }
    found.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; });
    return found.slice(0, limit).map(function (f) { return f[2]; });
  }

  timings.parsed = performance.now();
  // ---- the graph ------------------------------------------------------------------------
  var graph = new (graphology.Graph || graphology)({ type: "undirected", multi: false });
  var positions = data.positions[state.grouping] || data.positions[Object.keys(data.positions)[0]];
  for (var i = 0; i < n; i++) {
    graph.addNode(String(i), {
      x: positions[2 * i], y: positions[2 * i + 1], size: nodes.size[i],
      label: (nodes.broker[i] ? "★ " : "") + nodes.label[i],
      color: data.colours[nodes.sector[i]], sector: data.sectors[nodes.sector[i]],
      zIndex: nodes.broker[i] ? 2 : 1
    });
  }
  // Every link, both ways, as typed arrays (partners, neighbourhoods, countries); only some
  // are drawn: data.links.drawn when nothing is focused, a focused actor's neighbourhood in full.
  var links = data.links, upperPtr = links.indptr, upperIdx = links.indices, upperW = links.weight;
  var degree = new Int32Array(n);
  for (var u = 0; u < n; u++) {
    degree[u] += upperPtr[u + 1] - upperPtr[u];
    for (var k = upperPtr[u]; k < upperPtr[u + 1]; k++) degree[upperIdx[k]] += 1;
  }
  var ptr = new Int32Array(n + 1);
  for (var u = 0; u < n; u++) ptr[u + 1] = ptr[u] + degree[u];
  var adj = new Int32Array(ptr[n]), adjW = new Int32Array(ptr[n]), adjK = new Int32Array(ptr[n]);
  var fill = ptr.slice(0, n);
  for (var u = 0; u < n; u++) {
    for (var k = upperPtr[u]; k < upperPtr[u + 1]; k++) {
      var v = upperIdx[k];
      adj[fill[u]] = v; adjW[fill[u]] = upperW[k]; adjK[fill[u]++] = k;
      adj[fill[v]] = u; adjW[fill[v]] = upperW[k]; adjK[fill[v]++] = k;
    }
  }
  function neighbours(i, visit) {
    for (var k = ptr[i]; k < ptr[i + 1]; k++) visit(adj[k], adjW[k], adjK[k]);
  }
  function addLink(u, v, w, k, ego) {
    var a = Math.min(u, v), b = Math.max(u, v), key = a + "-" + b;
    if (graph.hasEdge(key)) return;
    var cross = nodes.sector[a] !== nodes.sector[b];
    var colour = links.colour ? links.colour[k]
      : cross ? data.link_colours.cross : data.link_colours.within[nodes.sector[a]];
    graph.addUndirectedEdgeWithKey(key, String(a), String(b), {
      size: links.colour ? Math.min(8, 0.5 + Math.log(1 + w) / 2)
        : Math.min(4, 0.3 + 0.4 * Math.log(1 + w)),
      color: colour, weight: w, a: a, b: b, ego: ego
    });
  }
  var rowOf = new Int32Array(upperIdx.length);
  for (var u = 0; u < n; u++) for (var k = upperPtr[u]; k < upperPtr[u + 1]; k++) rowOf[k] = u;
  links.drawn.forEach(function (k) { addLink(rowOf[k], upperIdx[k], upperW[k], k, false); });
  timings.graph = performance.now();
  // ---- which nodes are shown -------------------------------------------------------------
  var swedish = null;
  function countryKeeps(i) {
    if (state.country === "all" || !nodes.country) return true;
    if (nodes.country[i] === "SE") return true;
    if (state.country === "se") return false;
    if (swedish === null) {  // "SE and partners": foreign actors linked to a Swedish one
      swedish = new Uint8Array(n);
      for (var j = 0; j < n; j++) {
        if (nodes.country[j] !== "SE") continue;
        swedish[j] = 1;
        neighbours(j, function (other) { swedish[other] = 1; });
      }
    }
    return swedish[i] === 1;  // Swedish actors were marked too
  }
  var focusSet = null;
  function computeFocus() {
    focusSet = null;
    if (state.focus === null) return;
    focusSet = {};
    focusSet[state.focus] = 0;
    var frontier = [state.focus];
    for (var d = 1; d <= state.depth; d++) {
      var next = [];
      frontier.forEach(function (id) {
        neighbours(id, function (other) {
          if (!(other in focusSet) && visibleBase(other)) { focusSet[other] = d; next.push(other); }
        });
      });
      frontier = next;
    }
  }
  // A focus adds its neighbourhood's links to the graph once; they stay, hidden unless their
  // focus is shown (dropping edges one by one makes sigma re-index each time: 7 s for 264).
  function drawNeighbourhood() {  // the focus's links in full, and its partners' among them
    if (focusSet === null) return;
    var added = 0;
    Object.keys(focusSet).forEach(function (key) {
      var i = +key;
      if (focusSet[key] === state.depth && state.depth > 1) return;
      neighbours(i, function (other, w, k) {
        if (added < data.ego_links && String(other) in focusSet) { addLink(i, other, w, k, true); added++; }
      });
    });
  }
  function visibleBase(i) {
    return state.sectors[data.sectors[nodes.sector[i]]] && countryKeeps(i);
  }
  function visible(i) {
    return visibleBase(i) && (focusSet === null || String(i) in focusSet);
  }

  var SigmaRenderer = Sigma.Sigma || Sigma.default || Sigma;
  var renderer = new SigmaRenderer(graph, container, {
    hideEdgesOnMove: links.indices.length > 50000,
    labelDensity: 0.08,
    labelGridCellSize: 70,
    labelRenderedSizeThreshold: 8,
    labelFont: "system-ui, sans-serif",
    zIndex: true,
    stagePadding: 40,
    minCameraRatio: 0.02,
    maxCameraRatio: 4,
    nodeReducer: function (key, attributes) {
      var i = +key;
      if (!visible(i)) return Object.assign({}, attributes, { hidden: true });
      if (state.focus !== null && +key === state.focus) {
        return Object.assign({}, attributes, { highlighted: true, size: attributes.size * 1.6,
                                               forceLabel: true });
      }
      return attributes;
    },
    edgeReducer: function (key, attributes) {
      if ((attributes.ego && focusSet === null) || !visible(attributes.a) || !visible(attributes.b)) {
        return Object.assign({}, attributes, { hidden: true });
      }
      return attributes;
    }
  });
  timings.sigma = timings.firstFrame = performance.now();  // sigma draws in its constructor
  window.mapRenderer = renderer;  // for the browser tests and the console
  window.mapGraph = graph;

  function refresh() {
    computeFocus();
    drawNeighbourhood();
    renderer.refresh();
    writeHash();
    drawGroupLabels();
  }

  // ---- details panel ----------------------------------------------------------------------
  var details = document.getElementById("details");
  function showDetails(i) {
    details.textContent = "";
    if (i === null) { details.appendChild(el("p", S.click_hint, "note")); return; }
    details.appendChild(el("h3", (nodes.broker[i] ? "★ " : "") + nodes.label[i]));
    if (data.opens) {
      details.appendChild(el("p", data.counts[i] + " " + S.actors, "meta"));
      if (data.opens[i] !== null && !saved) {
        var open = el("a", S.open_community, "open-community");
        open.href = openUrl(data.opens[i]);
        details.appendChild(open);
      } else if (saved) {
        details.appendChild(el("p", S.saved_file, "note"));
      }
    }
    var meta = [S.sector_names[nodes.sector[i]]];
    if (nodes.region && nodes.region[i]) meta.push(nodes.region[i]);
    if (nodes.country && nodes.country[i]) meta.push(nodes.country[i]);
    details.appendChild(el("p", meta.join(" · "), "meta"));
    if (nodes.name_en && nodes.name_en[i]) details.appendChild(el("p", nodes.name_en[i], "note"));
    var partners = [];
    neighbours(i, function (other, w) { partners.push([w, other]); });
    partners.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    details.appendChild(el("h4", S.partners + " (" + partners.length + ")"));
    var list = el("ol", null, "partners");
    partners.slice(0, 50).forEach(function (p) {
      var item = el("li");
      var button = el("button", nodes.label[p[1]], "link");
      button.type = "button";
      button.addEventListener("click", function () { focus(p[1]); });
      item.appendChild(button);
      item.appendChild(el("span", " " + S.weight + " " + p[0], "count"));
      list.appendChild(item);
    });
    details.appendChild(list);
    if (partners.length > 50) details.appendChild(el("p", S.more.replace("{n}", partners.length - 50), "note"));
    if (data.api_base !== null && !data.opens) {
      var a = el("a", S.api_record);
      a.href = data.api_base + "/actors/" + encodeURIComponent(nodes.id[i]);
      details.appendChild(a);
    }
  }

  function focus(i, options) {
    state.focus = i;
    refresh();
    showDetails(i);
    if (i !== null && !(options && options.keepCamera)) fitTo(Object.keys(focusSet));
  }
  renderer.on("clickNode", function (event) { focus(+event.node); });
  renderer.on("clickStage", function () { if (state.focus !== null) { focus(null); resetCamera(); } });
  function fitTo(keys) {  // the camera on these nodes: frame coordinates, ratio 1 = all
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    keys.forEach(function (key) {
      var d = renderer.getNodeDisplayData(key);
      if (!d) return;
      x0 = Math.min(x0, d.x); x1 = Math.max(x1, d.x); y0 = Math.min(y0, d.y); y1 = Math.max(y1, d.y);
    });
    if (x0 === Infinity) return;
    var ratio = Math.max(0.02, Math.min(1, 1.3 * Math.max(x1 - x0, y1 - y0, 0.02)));
    renderer.getCamera().animate({ x: (x0 + x1) / 2, y: (y0 + y1) / 2, ratio: ratio },
                                 { duration: 250 });
  }
  function resetCamera() { renderer.getCamera().animatedReset({ duration: 200 }); }

  // ---- controls ---------------------------------------------------------------------------
  var input = document.getElementById("search");
  var results = document.getElementById("search-results");
  input.addEventListener("input", function () {
    results.textContent = "";
    search(input.value, 10).forEach(function (i) {
      var item = el("li");
      var button = el("button", nodes.label[i], "link");
      button.type = "button";
      button.addEventListener("click", function () { results.textContent = ""; focus(i); });
      item.appendChild(button);
      item.appendChild(el("span", " " + S.sector_names[nodes.sector[i]], "count"));
      results.appendChild(item);
    });
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      var found = search(input.value, 1);
      if (found.length) { results.textContent = ""; focus(found[0]); }
    }
  });
  window.mapSearch = function (text) { return search(text, 10).map(function (i) { return nodes.id[i]; }); };
  window.mapFocus = function (id) {  // returns how long the focus took to draw, in ms
    var started = performance.now(), i = nodes.id.indexOf(id);
    focus(i < 0 ? null : i);
    return performance.now() - started;
  };

  document.querySelectorAll("input[data-sector]").forEach(function (box) {
    box.addEventListener("change", function () {
      state.sectors[box.getAttribute("data-sector")] = box.checked;
      swedish = null;
      refresh();
    });
  });
  var depth = document.getElementById("depth");
  depth.addEventListener("change", function () { state.depth = +depth.value; refresh(); });
  var country = document.getElementById("country");
  if (country) country.addEventListener("change", function () { state.country = country.value; refresh(); });
  document.querySelectorAll("input[name=grouping]").forEach(function (radio) {
    radio.addEventListener("change", function () { if (radio.checked) regroup(radio.value); });
  });
  function regroup(grouping) {
    if (!data.positions[grouping]) return;
    state.grouping = grouping;
    var p = data.positions[grouping];
    graph.updateEachNodeAttributes(function (key, attributes) {
      var i = +key;
      attributes.x = p[2 * i]; attributes.y = p[2 * i + 1];
      return attributes;
    });
    resetCamera();
    refresh();
  }

  // ---- group labels: each community's or county's name at its centre ---------------------
  var overlay = document.getElementById("group-labels");
  function drawGroupLabels() {
    overlay.textContent = "";
    var groups = data.groups[state.grouping];
    if (!groups || state.focus !== null) return;
    var p = data.positions[state.grouping];
    var placed = [];  // the largest groups first; a label that would cover another is left out
    groups.forEach(function (group) {
      var at = renderer.graphToViewport({ x: group.x, y: group.y });
      if (at.x < 0 || at.y < 0 || at.x > container.clientWidth || at.y > container.clientHeight) return;
      var label = el("span", group.label, "group-label");
      label.style.left = at.x + "px";
      label.style.top = at.y + "px";
      overlay.appendChild(label);
      var box = label.getBoundingClientRect();
      var covers = placed.some(function (other) {
        return box.left < other.right + 4 && other.left < box.right + 4 &&
               box.top < other.bottom + 2 && other.top < box.bottom + 2;
      });
      if (covers) overlay.removeChild(label); else placed.push(box);
    });
    void p;
  }
  renderer.on("afterRender", function () { window.requestAnimationFrame(drawGroupLabels); });

  // ---- sharing: PNG, SVG and the view's state in the URL ----------------------------------
  function writeHash() {
    var parts = [];
    if (state.focus !== null) parts.push("focus=" + encodeURIComponent(nodes.id[state.focus]));
    if (state.depth !== 1) parts.push("depth=" + state.depth);
    if (state.country !== "all") parts.push("country=" + state.country);
    if (state.grouping !== data.grouping) parts.push("grouping=" + state.grouping);
    var hidden = data.sectors.filter(function (s) { return !state.sectors[s]; });
    if (hidden.length) parts.push("hide=" + hidden.join(","));
    var hash = parts.length ? "#" + parts.join("&") : "";
    if (window.location.hash !== hash) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search + hash);
    }
  }
  function readHash() {
    var values = {};
    window.location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var pair = part.split("=");
      if (pair[0]) values[pair[0]] = decodeURIComponent(pair[1] || "");
    });
    if (values.depth) { state.depth = Math.max(1, Math.min(2, +values.depth || 1)); depth.value = state.depth; }
    if (values.country && country) { state.country = values.country; country.value = values.country; }
    if (values.hide) values.hide.split(",").forEach(function (s) {
      if (s in state.sectors) {
        state.sectors[s] = false;
        var box = document.querySelector('input[data-sector="' + CSS.escape(s) + '"]');
        if (box) box.checked = false;
      }
    });
    if (values.grouping && data.positions[values.grouping]) {
      var radio = document.querySelector('input[name=grouping][value="' + CSS.escape(values.grouping) + '"]');
      if (radio) radio.checked = true;
      regroup(values.grouping);
    }
    if (values.focus) { var i = nodes.id.indexOf(values.focus); if (i >= 0) focus(i); }
  }

  function exportPng() {
    renderer.refresh();  // draw now, so that the WebGL layers still hold the picture
    var canvases = container.querySelectorAll("canvas");
    var width = container.clientWidth, height = container.clientHeight;
    var ratio = window.devicePixelRatio || 1;
    var out = document.createElement("canvas");
    out.width = width * ratio; out.height = height * ratio;
    var context = out.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, out.width, out.height);
    canvases.forEach(function (canvas) { context.drawImage(canvas, 0, 0, out.width, out.height); });
    return out.toDataURL("image/png");
  }
  function escapeXml(text) {
    return String(text).replace(/[<>&"']/g, function (c) {
      return { "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" }[c];
    });
  }
  function exportSvg() {
    var width = container.clientWidth, height = container.clientHeight;
    var lines = [];
    var shown = [];
    graph.forEachNode(function (key) { if (visible(+key)) shown.push(+key); });
    var at = {};
    shown.forEach(function (i) { at[i] = renderer.framedGraphToViewport(renderer.getNodeDisplayData(String(i))); });
    var edges = [];
    graph.forEachEdge(function (key, attributes, source, target) {
      if (source in at || +source in at) {
        if ((+target) in at && (+source) in at) edges.push([attributes.weight, +source, +target, attributes.color]);
      }
    });
    edges.sort(function (a, b) { return b[0] - a[0]; });
    edges.slice(0, data.svg_links).forEach(function (e) {
      var a = at[e[1]], b = at[e[2]];
      lines.push('<line x1="' + a.x.toFixed(1) + '" y1="' + a.y.toFixed(1) + '" x2="' + b.x.toFixed(1) +
                 '" y2="' + b.y.toFixed(1) + '" stroke="' + escapeXml(e[3]) + '" stroke-width="0.6"/>');
    });
    var scale = width / Math.max(1, renderer.getDimensions().width);
    shown.forEach(function (i) {
      var p = at[i], size = renderer.getNodeDisplayData(String(i)).size * scale;
      lines.push('<circle cx="' + p.x.toFixed(1) + '" cy="' + p.y.toFixed(1) + '" r="' + size.toFixed(1) +
                 '" fill="' + escapeXml(data.colours[nodes.sector[i]]) + '"><title>' +
                 escapeXml(nodes.label[i]) + "</title></circle>");
    });
    return '<svg xmlns="http://www.w3.org/2000/svg" width="' + width + '" height="' + height +
      '" viewBox="0 0 ' + width + " " + height + '"><rect width="100%" height="100%" fill="#fff"/>' +
      lines.join("") + "</svg>";
  }
  function download(name, href) {
    var a = document.createElement("a");
    a.href = href; a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
  }
  window.mapExportPng = exportPng;
  window.mapExportSvg = exportSvg;
  document.getElementById("export-png").addEventListener("click", function () {
    download(data.file_name + ".png", exportPng());
  });
  document.getElementById("export-svg").addEventListener("click", function () {
    var blob = new Blob([exportSvg()], { type: "image/svg+xml" });
    var url = URL.createObjectURL(blob);
    download(data.file_name + ".svg", url);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  });

  // ---- the selection form: another scope is another page from the server ------------------
  var form = document.getElementById("selection");
  var yearFrom = document.getElementById("year-from"), yearTo = document.getElementById("year-to");
  var limitYears = document.getElementById("limit-years");
  function showYears() {
    if (+yearFrom.value > +yearTo.value) yearTo.value = yearFrom.value;
    document.getElementById("years-shown").textContent = yearFrom.value + "–" + yearTo.value;
    yearFrom.disabled = yearTo.disabled = !limitYears.checked;
  }
  [yearFrom, yearTo, limitYears].forEach(function (input) { input.addEventListener("input", showYears); });
  showYears();
  if (saved) {
    form.querySelectorAll("input, select, button").forEach(function (input) { input.disabled = true; });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var params = new URLSearchParams(window.location.search);
    ["region", "year_from", "year_to", "relation_types", "community"].forEach(function (name) {
      params.delete(name);
    });
    var region = form.elements.region.value;
    if (region) params.set("region", region);
    if (limitYears.checked) { params.set("year_from", yearFrom.value); params.set("year_to", yearTo.value); }
    var types = Array.prototype.filter.call(form.querySelectorAll("input[name=relation_types]"),
                                            function (box) { return box.checked; });
    if (types.length < 4) types.forEach(function (box) { params.append("relation_types", box.value); });
    window.location.href = (data.api_base || "") + "/map?" + params.toString() + window.location.hash;
  });

  window.addEventListener("resize", function () { renderer.refresh(); });
  showDetails(null);
  readHash();
  drawGroupLabels();
  timings.ready = performance.now();
  window.mapReady = true;
})();
