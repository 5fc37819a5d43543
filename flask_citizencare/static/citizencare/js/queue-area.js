/* flask-citizencare: pick the queue's area on a map. Pan and zoom to the part of the city,
   then "use the area shown": its bounds fill the area field (which can also be typed). */
(function () {
  "use strict";
  var node = document.getElementById("cc-area-map");
  var field = document.getElementById("area");
  var button = document.getElementById("cc-area-from-map");
  if (!node || !field || !button || typeof L === "undefined" || !window.CitizenCare) { return; }
  node.parentNode.hidden = false;
  var map = L.map(node).setView(JSON.parse(node.getAttribute("data-center")), parseInt(node.getAttribute("data-zoom"), 10) || 13);
  window.CitizenCare.tiles(map, node);
  var parts = field.value.split(",").map(Number);
  if (parts.length === 4 && parts.every(isFinite)) {
    var box = L.latLngBounds([parts[1], parts[0]], [parts[3], parts[2]]);
    L.rectangle(box, { weight: 2, fill: false }).addTo(map);
    map.fitBounds(box);
  }
  function round(value) { return Math.round(value * 1e5) / 1e5; }
  button.addEventListener("click", function () {
    var b = map.getBounds();
    field.value = [round(b.getWest()), round(b.getSouth()), round(b.getEast()), round(b.getNorth())].join(",");
    field.focus();
  });
})();
