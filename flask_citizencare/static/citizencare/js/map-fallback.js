/* flask-citizencare: the tile layer of every map of ours, and what a map shows when the tiles fail
   (offline, a blocked or broken tile server): a polite message over the map, then the municipality's
   area and districts (GET data-area-url) on a plain background, under the map's own points.
   A map's node carries data-tile-url, data-tile-attribution, data-tiles-unavailable (the message,
   translated by the page) and data-area-url. Clicks go through the drawn shapes to the map. */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }
  var FIRST_TILES = 4;   // decide on the first tiles: most of them failed and none loaded
  var PATIENCE = 5000;   // or no tile at all within this many milliseconds (a server that hangs)

  function drawArea(map, url) {
    if (!url || !window.fetch) { return; }
    fetch(url, { headers: { "Accept": "application/geo+json" } }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data || !data.features) { return; }
      var shapes = L.geoJSON(data, {
        interactive: false,
        style: function (feature) {
          return feature.properties.kind === "area"
            ? { color: "#0059b3", weight: 3, fill: true, fillColor: "#ffffff", fillOpacity: 0.6 }
            : { color: "#455a64", weight: 1.5, dashArray: "6 4", fill: false };
        },
        onEachFeature: function (feature, layer) {
          if (feature.properties.kind === "district" && feature.properties.name) {
            layer.bindTooltip(feature.properties.name, { permanent: true, direction: "center", className: "cc-map-district-label" });
          }
        }
      }).addTo(map);
      shapes.bringToBack();
    }).catch(function () { /* the points and the typed fields remain */ });
  }

  function unavailable(map, node, layer) {
    if (node.classList.contains("cc-map--no-tiles")) { return; }
    node.classList.add("cc-map--no-tiles");
    map.removeLayer(layer);
    var text = node.getAttribute("data-tiles-unavailable");
    if (text) {
      var message = document.createElement("p");
      message.className = "cc-map-unavailable";
      message.setAttribute("role", "status");
      message.setAttribute("data-cc-map-unavailable", "");
      message.textContent = text;
      node.parentNode.insertBefore(message, node);
    }
    drawArea(map, node.getAttribute("data-area-url"));
  }

  /* Add the tile layer to `map` (shown in `node`) and watch it; returns the layer. */
  function tiles(map, node, url, attribution) {
    var layer = L.tileLayer(url || node.getAttribute("data-tile-url"), {
      maxZoom: 19,
      attribution: attribution || node.getAttribute("data-tile-attribution")
    });
    var loaded = 0, failed = 0;
    layer.on("tileload", function () { loaded += 1; });
    layer.on("tileerror", function () {
      failed += 1;
      if (loaded === 0 && failed >= FIRST_TILES) { unavailable(map, node, layer); }
    });
    window.setTimeout(function () { if (loaded === 0) { unavailable(map, node, layer); } }, PATIENCE);
    layer.addTo(map);
    return layer;
  }

  window.CitizenCare = window.CitizenCare || {};
  window.CitizenCare.tiles = tiles;
})();
