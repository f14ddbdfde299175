  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }
  function row(list, key, value) {
    if (value === undefined || value === null || value === "") { return; }
    list.appendChild(el("dt", key));
    list.appendChild(el("dd", value));
  }
  function markReady() {
    if (window.mapperMap.ready) { return; }
    window.mapperMap.ready = true;
    document.body.setAttribute("data-ready", "true");
  }
  /* The page is ready (body[data-ready]) at the first drawing after `state.arranged` is set:
     the map's script sets it once it has fitted the view and placed the labels. */
  function readyWhenArranged(network) {
    var state = { arranged: false };
    network.on("afterDrawing", function () { if (state.arranged) { markReady(); } });
    return state;
  }
  /* Run `settled()` once the layout stands still: at once without physics, else when the
     physics has stabilised (and is then turned off). */
  function whenSettled(network, physics, settled) {
    if (!physics) { settled(); return; }
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: false });
      settled();
    });
  }

  /* Boxes in canvas coordinates: {left, top, right, bottom}. */
  function grow(box, left, top, right, bottom) {
    if (!box) { return { left: left, top: top, right: right, bottom: bottom }; }
    box.left = Math.min(box.left, left); box.top = Math.min(box.top, top);
    box.right = Math.max(box.right, right); box.bottom = Math.max(box.bottom, bottom);
    return box;
  }
  /* The view ({position, scale}) that shows all of `box` (canvas coordinates) in the
     container, `padding` pixels from its edges, zoomed in no further than `maxScale`; null if
     there is nothing to show or no room. vis-network's own fit() fits the nodes' shapes only: a
     label wider than its node, or a loop, would be cut off at the edge. */
  function viewOf(container, box, padding, maxScale) {
    var width = container.clientWidth, height = container.clientHeight;
    if (!box || width <= 2 * padding || height <= 2 * padding) { return null; }
    var scale = Math.min((width - 2 * padding) / Math.max(box.right - box.left, 1),
                         (height - 2 * padding) / Math.max(box.bottom - box.top, 1), maxScale);
    return { position: { x: (box.left + box.right) / 2, y: (box.top + box.bottom) / 2 },
             scale: scale };
  }
  function moveTo(network, view) {
    if (view) {
      network.moveTo({ position: view.position, scale: view.scale, animation: false });
    }
  }
  function whenResized(network, refit) {
    var timer = null;
    network.on("resize", function () {
      if (!window.mapperMap.ready) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(refit, 60);
    });
  }

  /* In a saved file with no server (api_base), the filter form and the links to other maps
     cannot work: they are disabled and a note says why. Otherwise the notes are hidden. */
  function serverLinks(apiBase) {
    var offline = !apiBase && window.location.protocol === "file:";
    var fieldset = document.querySelector("#filters fieldset");
    if (fieldset) { fieldset.disabled = offline; }
    ["filters-note", "links-note"].forEach(function (id) {
      var note = document.getElementById(id);
      if (note) { note.hidden = !offline; }
    });
    if (!offline) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("a.server-link"), function (link) {
      link.removeAttribute("href");
      link.setAttribute("aria-disabled", "true");
      link.classList.add("disabled");
    });
  }
