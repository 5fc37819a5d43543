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
    // The chosen category's urgent notice where it is chosen; the list of all of them folds away.
    var urgent = document.getElementById("cc-urgent-notice");
    var urgentSource = id && document.getElementById("cc-urgent-" + id);
    if (urgent) {
      urgent.textContent = urgentSource ? urgentSource.textContent : "";
      urgent.hidden = !urgentSource || !urgentSource.textContent.trim();
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
    var urgentList = document.getElementById("cc-urgent-list");
    if (urgentList) { urgentList.open = false; }
  }

  // "Known problem, already being handled": the current notices about the category or the place.
  var known = document.getElementById("cc-known-problems");
  var knownTimer = null;
  function showKnown() {
    if (!known) { return; }
    var query = [];
    if (category && category.value) { query.push("category=" + encodeURIComponent(category.value)); }
    var y = lat ? String(lat.value).trim() : "", x = lon ? String(lon.value).trim() : "";
    if (y && x && isFinite(parseFloat(y.replace(",", "."))) && isFinite(parseFloat(x.replace(",", ".")))) {
      query.push("lat=" + encodeURIComponent(y.replace(",", ".")), "lon=" + encodeURIComponent(x.replace(",", ".")));
    }
    if (!query.length) { known.hidden = true; known.textContent = ""; return; }
    fetch(known.getAttribute("data-url") + "?" + query.join("&"), { headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { notices: [] }; })
      .then(function (data) {
        known.textContent = "";
        if (!data.notices || !data.notices.length) { known.hidden = true; return; }
        var heading = document.createElement("h3");
        heading.className = "cc-known__title";
        heading.textContent = data.heading;
        var text = document.createElement("p");
        text.textContent = data.text;
        var list = document.createElement("ul");
        data.notices.forEach(function (notice) {
          var item = document.createElement("li");
          var link = document.createElement("a");
          link.href = notice.url;
          link.textContent = notice.title;
          item.appendChild(link);
          item.appendChild(document.createTextNode(" (" + notice.status_label + ") "));
          var actions = document.createElement("span");
          actions.className = "cc-known__actions";
          var follow = document.createElement("a");
          follow.href = notice.url + "#cc-follow";
          follow.textContent = data.follow;
          actions.appendChild(follow);
          item.appendChild(actions);
          list.appendChild(item);
        });
        known.appendChild(heading);
        known.appendChild(text);
        known.appendChild(list);
        known.hidden = false;
      }).catch(function () { /* the page as the server drew it stays */ });
  }
  function laterKnown() { clearTimeout(knownTimer); knownTimer = setTimeout(showKnown, 300); }
  if (category) { category.addEventListener("change", showKnown); }
  if (lat && lon) { lat.addEventListener("change", laterKnown); lon.addEventListener("change", laterKnown); }

  // Focus the error summary so screen readers announce it.
  var summary = document.getElementById("cc-error-summary");
  if (summary) { summary.focus(); }

  var mapNode = document.getElementById("cc-map");
  if (!mapNode || typeof L === "undefined" || !lat || !lon) { return; }
  mapNode.parentNode.hidden = false;

  var center = JSON.parse(mapNode.getAttribute("data-center"));
  var map = L.map(mapNode, { keyboard: true }).setView(center, parseInt(mapNode.getAttribute("data-zoom"), 10) || 13);
  if (window.CitizenCare && window.CitizenCare.tiles) {
    window.CitizenCare.tiles(map, mapNode); // tiles, and what to draw when they fail (map-fallback.js)
  } else {
    L.tileLayer(mapNode.getAttribute("data-tile-url"), { attribution: mapNode.getAttribute("data-tile-attribution") }).addTo(map);
  }

  var marker = null;
  var STEP = 8; // pixels per arrow key press

  function round(value) { return Math.round(value * 1e6) / 1e6; }

  var nearby = document.getElementById("cc-nearby");
  var nearbyTimer = null;

  function showNearby() {
    if (!nearby || !category || !category.value || !lat.value || !lon.value) { return; }
    var url = nearby.getAttribute("data-url") + "?category=" + encodeURIComponent(category.value) +
      "&lat=" + encodeURIComponent(lat.value) + "&lon=" + encodeURIComponent(lon.value);
    fetch(url, { headers: { "Accept": "application/json" } }).then(function (response) {
      return response.ok ? response.json() : { reports: [] };
    }).then(function (data) {
      nearby.textContent = "";
      if (!data.reports || !data.reports.length) { nearby.hidden = true; return; }
      var heading = document.createElement("p");
      heading.className = "cc-label";
      heading.textContent = nearby.getAttribute("data-heading");
      var hint = document.createElement("p");
      hint.className = "cc-hint";
      hint.textContent = nearby.getAttribute("data-hint");
      var list = document.createElement("ul");
      data.reports.forEach(function (report) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = report.url;
        link.target = "_blank";
        link.textContent = report.id + " — " + report.title;
        item.appendChild(link);
        item.appendChild(document.createTextNode(" (" + report.distance_m + " m)"));
        list.appendChild(item);
      });
      nearby.appendChild(heading);
      nearby.appendChild(hint);
      nearby.appendChild(list);
      nearby.hidden = false;
    }).catch(function () { nearby.hidden = true; });
  }

  function fillFields(latlng) {
    lat.value = round(latlng.lat);
    lon.value = round(latlng.lng);
    // Setting a value fires no "change": the form's other helpers (similar-proposals.js) hear this.
    lat.dispatchEvent(new CustomEvent("citizencare:point", { bubbles: true }));
    clearTimeout(nearbyTimer);
    nearbyTimer = setTimeout(showNearby, 300);
    laterKnown();
  }
  if (category) { category.addEventListener("change", showNearby); }

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
