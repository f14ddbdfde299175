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
  function whenDrawn(network, physics) {
    var settled = !physics;
    if (physics) {
      network.once("stabilizationIterationsDone", function () {
        network.setOptions({ physics: false });
        settled = true;
        network.fit();
      });
    }
    network.on("afterDrawing", function () { if (settled) { markReady(); } });
  }
