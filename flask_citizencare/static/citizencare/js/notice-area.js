/* flask-citizencare: the map of a service notice's form. It only helps to fill the "Area (GeoJSON)"
   field, which works without it: click the corners of the affected area and the field gets it as a
   GeoJSON Polygon; an area already in the field (saved, or pasted) is shown. */
(function () {
  "use strict";
  if (typeof L === "undefined" || !window.CitizenCare) { return; }
  var node = document.getElementById("cc-notice-area-map");
  if (!node) { return; }
  var field = document.getElementById(node.getAttribute("data-area-field"));
  if (!field) { return; }

  function round(value) { return Math.round(value * 1e6) / 1e6; }

  node.parentNode.hidden = false;
  var map = L.map(node).setView(JSON.parse(node.getAttribute("data-center")), parseInt(node.getAttribute("data-zoom"), 10) || 13);
  window.CitizenCare.tiles(map, node);
  var points = [];
  var shown = null;

  function show(latlngs) {
    if (shown) { map.removeLayer(shown); shown = null; }
    if (latlngs.length === 1) { shown = L.circleMarker(latlngs[0], { radius: 5 }).addTo(map); }
    else if (latlngs.length === 2) { shown = L.polyline(latlngs).addTo(map); }
    else if (latlngs.length > 2) { shown = L.polygon(latlngs).addTo(map); }
  }
  function write() {
    show(points);
    if (points.length < 3) { field.value = ""; return; }
    var ring = points.map(function (p) { return [round(p.lng), round(p.lat)]; });
    ring.push(ring[0]);
    field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
  }
  try {
    var layer = L.geoJSON(JSON.parse(field.value)).addTo(map);
    map.fitBounds(layer.getBounds());
    shown = layer;
  } catch (e) { /* empty or not GeoJSON: the form says what is wrong */ }

  map.on("click", function (event) { points.push(event.latlng); write(); });
  var undo = document.getElementById("cc-notice-area-undo");
  var clear = document.getElementById("cc-notice-area-clear");
  if (undo) { undo.addEventListener("click", function () { points.pop(); write(); }); }
  if (clear) { clear.addEventListener("click", function () { points = []; write(); }); }
})();
