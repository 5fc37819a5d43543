/* flask-citizencare: the maps of the routing rules screen. Everything they do can be typed too:
   "draw" (a rule's form) clicks the corners of an area and writes it as GeoJSON in the area field;
   "point" (the test box) fills the latitude and longitude fields with the clicked point. */
(function () {
  "use strict";
  if (typeof L === "undefined" || !window.CitizenCare) { return; }

  function round(value) { return Math.round(value * 1e6) / 1e6; }

  function baseMap(node) {
    node.parentNode.hidden = false;
    var map = L.map(node).setView(JSON.parse(node.getAttribute("data-center")), parseInt(node.getAttribute("data-zoom"), 10) || 13);
    window.CitizenCare.tiles(map, node);
    return map;
  }

  function drawMap(node) {
    var field = document.getElementById(node.getAttribute("data-area-field"));
    var place = document.getElementById(node.getAttribute("data-place-field"));
    if (!field) { return; }
    var map = baseMap(node);
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
      if (place) { place.checked = true; }
    }
    // An area already in the field (saved, or pasted) is shown and fitted, not editable point by point.
    try {
      var value = JSON.parse(field.value);
      var layer = L.geoJSON(value).addTo(map);
      map.fitBounds(layer.getBounds());
      shown = layer;
    } catch (e) { /* empty or not GeoJSON: the form says what is wrong */ }

    map.on("click", function (event) { points.push(event.latlng); write(); });
    var undo = document.getElementById("cc-routing-undo");
    var clear = document.getElementById("cc-routing-clear");
    if (undo) { undo.addEventListener("click", function () { points.pop(); write(); }); }
    if (clear) { clear.addEventListener("click", function () { points = []; write(); }); }
  }

  function pointMap(node) {
    var lat = document.getElementById(node.getAttribute("data-lat-field"));
    var lon = document.getElementById(node.getAttribute("data-lon-field"));
    if (!lat || !lon) { return; }
    var map = baseMap(node);
    var marker = null;
    var areas = node.getAttribute("data-areas");
    if (areas) {
      L.geoJSON(JSON.parse(areas), {
        style: { weight: 2, fillOpacity: 0.08 },
        onEachFeature: function (feature, layer) { layer.bindTooltip(feature.properties.label, { sticky: true }); },
        interactive: true
      }).on("click", function (event) { map.fire("click", { latlng: event.latlng }); }).addTo(map);
    }
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, { keyboard: false }).addTo(map); }
    }
    var la = parseFloat(lat.value), lo = parseFloat(lon.value);
    if (isFinite(la) && isFinite(lo)) { place([la, lo]); map.setView([la, lo], map.getZoom()); }
    map.on("click", function (event) {
      place(event.latlng);
      lat.value = round(event.latlng.lat);
      lon.value = round(event.latlng.lng);
    });
  }

  var draw = document.getElementById("cc-routing-draw-map");
  if (draw) { drawMap(draw); }
  var point = document.getElementById("cc-routing-test-map");
  if (point) { pointMap(point); }
})();
