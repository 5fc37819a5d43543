/* flask-citizencare: the small map of a case in the staff workspace (the address and
   coordinates are on the page too, so nothing depends on it). */
(function () {
  "use strict";
  var node = document.getElementById("cc-case-map");
  if (!node || typeof L === "undefined" || !window.CitizenCare) { return; }
  var point = JSON.parse(node.getAttribute("data-geojson"));
  node.hidden = false;
  var map = L.map(node, { scrollWheelZoom: false }).setView([point.lat, point.lon], 17);
  window.CitizenCare.tiles(map, node);
  L.marker([point.lat, point.lon], { keyboard: false }).addTo(map);
})();
