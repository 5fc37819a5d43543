/* flask-citizencare: the report form's map picker and category helpers.
   Progressive enhancement: without this script (or without map tiles) the
   address and coordinate fields do the same job. */
(function () {
  "use strict";

  var form = document.querySelector("form.cc-form");
  if (!form) { return; }
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var category = document.getElementById("category");

  // Category help and the category's own questions.
  function showCategory() {
    var id = category && category.value;
    var help = document.getElementById("cc-category-help");
    var source = id && document.getElementById("cc-help-" + id);
    if (help) {
      help.textContent = source ? source.textContent : "";
      help.hidden = !source || !source.textContent.trim();
    }
    document.querySelectorAll(".cc-questions").forEach(function (fieldset) {
      var mine = fieldset.getAttribute("data-category") === id;
      fieldset.hidden = !mine;
      fieldset.disabled = !mine;
    });
  }
  if (category) {
    category.addEventListener("change", showCategory);
    showCategory();
  }

  // Focus the error summary so screen readers announce it.
  var summary = document.getElementById("cc-error-summary");
  if (summary) { summary.focus(); }

  var mapNode = document.getElementById("cc-map");
  if (!mapNode || typeof L === "undefined" || !lat || !lon) { return; }
  mapNode.parentNode.hidden = false;

  var center = JSON.parse(mapNode.getAttribute("data-center"));
  var map = L.map(mapNode, { keyboard: true }).setView(center, parseInt(mapNode.getAttribute("data-zoom"), 10) || 13);
  L.tileLayer(mapNode.getAttribute("data-tile-url"), {
    maxZoom: 19,
    attribution: mapNode.getAttribute("data-tile-attribution")
  }).addTo(map);

  var marker = null;
  var STEP = 8; // pixels per arrow key press

  function round(value) { return Math.round(value * 1e6) / 1e6; }

  function fillFields(latlng) {
    lat.value = round(latlng.lat);
    lon.value = round(latlng.lng);
  }

  function place(latlng, pan) {
    if (!marker) {
      marker = L.marker(latlng, { draggable: true, keyboard: true, title: mapNode.getAttribute("data-pin-label"), alt: mapNode.getAttribute("data-pin-label") }).addTo(map);
      marker.on("dragend", function () { fillFields(marker.getLatLng()); });
      var icon = marker.getElement();
      if (icon) {
        icon.addEventListener("keydown", function (event) {
          var moves = { ArrowUp: [0, -STEP], ArrowDown: [0, STEP], ArrowLeft: [-STEP, 0], ArrowRight: [STEP, 0] };
          var move = moves[event.key];
          if (!move) { return; }
          event.preventDefault();
          event.stopPropagation();
          var point = map.latLngToContainerPoint(marker.getLatLng()).add(move);
          var moved = map.containerPointToLatLng(point);
          marker.setLatLng(moved);
          fillFields(moved);
        });
      }
    } else {
      marker.setLatLng(latlng);
    }
    fillFields(latlng);
    if (pan) { map.panTo(latlng); }
  }

  map.on("click", function (event) { place(event.latlng, false); });

  function fromFields() {
    var y = parseFloat(String(lat.value).replace(",", "."));
    var x = parseFloat(String(lon.value).replace(",", "."));
    if (isFinite(y) && isFinite(x) && Math.abs(y) <= 90 && Math.abs(x) <= 180) {
      var latlng = L.latLng(y, x);
      if (!marker) { place(latlng, true); } else { marker.setLatLng(latlng); map.panTo(latlng); }
    }
  }
  lat.addEventListener("change", fromFields);
  lon.addEventListener("change", fromFields);
  fromFields();

  document.getElementById("cc-pin-center").addEventListener("click", function () {
    place(map.getCenter(), false);
    if (marker && marker.getElement()) { marker.getElement().focus(); }
  });

  var locate = document.getElementById("cc-locate");
  var status = document.getElementById("cc-locate-status");
  if (!("geolocation" in navigator)) {
    locate.hidden = true;
  } else {
    locate.addEventListener("click", function () {
      status.textContent = "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        status.textContent = "";
        var latlng = L.latLng(position.coords.latitude, position.coords.longitude);
        map.setView(latlng, 18);
        place(latlng, false);
      }, function () {
        status.textContent = locate.getAttribute("data-failed") || "";
      }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }
})();
