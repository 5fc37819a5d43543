/* flask-citizencare: the public map page.
   Progressive enhancement: without this script the server renders the list of
   reports and the filters work as a plain GET form. With it the map shows the
   reports of the visible area (points, or clusters counted by the server when
   the area holds too many), the list follows the map, and the address bar
   keeps the filters and the view so a shared link opens the same map. */
(function () {
  "use strict";

  var configNode = document.getElementById("cc-map-config");
  var mapNode = document.getElementById("cc-map-area");
  var form = document.getElementById("cc-map-filters");
  var list = document.getElementById("cc-map-list");
  var summary = document.getElementById("cc-map-summary");
  if (!configNode || !mapNode || !form || !list || !summary || typeof L === "undefined" || !window.CitizenCare) { return; }

  var config = JSON.parse(configNode.textContent);
  var S = config.strings;
  var LIST_MAX = Math.min(50, config.apiMaxLimit || 50);
  var DEBOUNCE_MS = 300;
  var numbers = new Intl.NumberFormat(config.locale);
  var compact = new Intl.NumberFormat(config.locale, { notation: "compact", maximumFractionDigits: 1 });
  var dates = new Intl.DateTimeFormat(config.locale, { dateStyle: "medium" });

  var errorSummary = document.getElementById("cc-error-summary");
  if (errorSummary) { errorSummary.focus(); }

  // The no-JavaScript parts give way: the message in the map area, the view fields
  // of the form (the address bar carries the view now) and the list's pages.
  mapNode.textContent = "";
  mapNode.classList.add("cc-map--live");
  var view = document.querySelector(".cc-mapview");
  if (view) { view.classList.add("cc-mapview--live"); }
  // The map comes first: the filters fold away (one tap opens them) on a phone, and on any screen
  // while none is chosen, unless they need fixing.
  var filtersBox = document.getElementById("cc-map-filters-box");
  var filtering = ["kind", "category", "group", "status", "since", "until", "has_photo"].some(function (name) {
    return new URLSearchParams(window.location.search).getAll(name).some(function (v) { return v !== ""; });
  });
  var narrow = window.matchMedia("(max-width: 47.99rem)").matches;
  if (filtersBox && !errorSummary && (narrow || !filtering)) { filtersBox.open = false; }
  form.querySelectorAll("[data-cc-view]").forEach(function (node) { node.remove(); });
  var pager = document.getElementById("cc-map-pager");
  if (pager) { pager.hidden = true; }

  function fill(text, count) { return text.replace("{count}", numbers.format(count)); }
  function knownStatus(status) { return Object.prototype.hasOwnProperty.call(config.statuses, status) ? status : "unknown"; }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  // ---- the map -------------------------------------------------------------------------
  var map = L.map(mapNode, { keyboard: true, minZoom: config.minZoom, maxZoom: config.maxZoom });
  map.setView(config.center, config.zoom);
  var query = new URLSearchParams(window.location.search);
  if (!query.get("lat") && query.get("bbox")) {
    var b = query.get("bbox").split(",").map(Number);
    if (b.length === 4 && b.every(isFinite)) { map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); }
  }
  window.CitizenCare.tiles(map, mapNode, config.tileUrl, config.tileAttribution);

  // The areas of the current service notices (incidents and works), under the reports; each opens its notice.
  if (config.notices) {
    fetch(config.notices, { headers: { "Accept": "application/geo+json" } }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data || !data.features || !data.features.length) { return; }
      L.geoJSON(data, {
        interactive: true,
        style: function (feature) {
          var works = feature.properties.kind === "planned";
          return { className: "cc-notice-area cc-notice-area--" + (works ? "planned" : "incident"),
                   color: works ? "#0059b3" : "#8a4b00", weight: 2, dashArray: "6 4", fillOpacity: 0.12 };
        },
        onEachFeature: function (feature, layer) {
          var p = feature.properties;
          var box = document.createElement("div");
          var title = document.createElement("strong");
          title.textContent = p.title;
          var state = document.createElement("p");
          state.textContent = p.kind_label + " — " + p.status_label;
          var link = document.createElement("a");
          link.href = p.url;
          link.textContent = S.open_notice;
          box.appendChild(title);
          box.appendChild(state);
          box.appendChild(link);
          layer.bindPopup(box);
        }
      }).addTo(map).bringToBack();
    }).catch(function () { /* the reports are shown anyway */ });
  }

  // Leaflet turns Enter into "open the popup" only; groups are buttons that zoom in, by Enter or Space.
  function activates(event) {
    var key = event.originalEvent && event.originalEvent.key;
    if (key === "Enter" || key === " ") {
      L.DomEvent.preventDefault(event.originalEvent);
      return true;
    }
    return false;
  }

  function bubbleHtml(count, overdue) {
    var size = count < 100 ? "s" : count < 10000 ? "m" : "l";
    return '<span class="cc-bubble cc-bubble--' + size + (overdue ? " cc-bubble--overdue" : "") + '">' +
      '<span aria-hidden="true">' + compact.format(count) + "</span>" +
      '<span class="cc-visually-hidden">' + fill(S.cluster, count) + "</span></span>";
  }
  function bubbleIcon(count, overdue, className) {
    var px = count < 100 ? 36 : count < 10000 ? 44 : 52;
    return L.divIcon({ className: className || "cc-marker", html: bubbleHtml(count, overdue), iconSize: [px, px] });
  }

  // Points near each other are grouped in the browser (Leaflet.markercluster) ...
  var points = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 45,
    iconCreateFunction: function (cluster) {
      var overdue = cluster.getAllChildMarkers().some(function (m) { return m.options.ccOverdue; });
      return bubbleIcon(cluster.getChildCount(), overdue);
    }
  }).addTo(map);
  points.on("clusterkeypress", function (event) {
    if (activates(event)) {
      event.layer.zoomToBounds();
      mapNode.focus({ preventScroll: true });
    }
  });
  // ... and when the view holds more than the API gives at once, the server sends counts.
  var bubbles = L.layerGroup().addTo(map);
  var shown = {}; // report id -> marker on the map

  function statusText(p) {
    var text = config.statuses[p.status] || p.status_label || p.status;
    return p.overdue ? text + ", " + S.overdue : text;
  }

  function statusBadge(p) {
    var status = knownStatus(p.status);
    var badge = el("span", "cc-status cc-status--" + status);
    var pin = el("span", "cc-pin cc-pin--" + status + (p.overdue ? " cc-pin--overdue" : ""));
    pin.setAttribute("aria-hidden", "true");
    badge.appendChild(pin);
    badge.appendChild(document.createTextNode(" " + (config.statuses[p.status] || p.status_label || p.status)));
    return badge;
  }

  function when(text) {
    var time = el("time");
    var date = new Date(text);
    time.setAttribute("datetime", text);
    time.textContent = isNaN(date.getTime()) ? text : dates.format(date);
    return time;
  }

  function popupContent(p) {
    var box = el("div", "cc-popup");
    box.appendChild(el("p", "cc-report-list__meta", p.id + " · " + (p.category_name || "")));
    var title = el("p", "cc-popup__title");
    var link = el("a", null, p.title);
    link.href = p.url;
    title.appendChild(link);
    box.appendChild(title);
    var state = el("p");
    state.appendChild(statusBadge(p));
    if (p.overdue) { state.appendChild(el("span", "cc-overdue", S.overdue)); }
    box.appendChild(state);
    if (p.thumbnail) {
      var img = el("img", "cc-popup__thumb");
      img.src = p.thumbnail;
      img.alt = "";
      img.loading = "lazy";
      img.width = 120;
      img.height = 90;
      box.appendChild(img);
    }
    return box;
  }

  function pointMarker(feature) {
    var p = feature.properties;
    var c = feature.geometry.coordinates;
    var status = knownStatus(p.status);
    var marker = L.marker([c[1], c[0]], {
      icon: L.divIcon({
        className: "cc-marker",
        html: '<span class="cc-pin cc-pin--' + status + (p.overdue ? " cc-pin--overdue" : "") + '"></span>',
        iconSize: [28, 28],
        popupAnchor: [0, -12]
      }),
      keyboard: true,
      title: p.id + " — " + p.title + " (" + statusText(p) + ")",
      riseOnHover: true,
      ccOverdue: Boolean(p.overdue)
    });
    marker.bindPopup(function () { return popupContent(p); }, { autoPanPaddingTopLeft: L.point(56, 16) });
    marker.ccKey = p.id + "|" + p.status + "|" + p.updated_at + "|" + Boolean(p.overdue);
    return marker;
  }

  function zoomInto(feature) {
    var c = feature.geometry.coordinates;
    var center = L.latLng(c[1], c[0]);
    var target = map.getZoom() + 2;
    var box = feature.properties.bbox;
    if (box && box.length === 4 && box[0] < box[2] && box[1] < box[3]) {
      var bounds = L.latLngBounds([[box[1], box[0]], [box[3], box[2]]]);
      center = bounds.getCenter();
      target = Math.max(map.getBoundsZoom(bounds), map.getZoom() + 1);
    }
    map.setView(center, Math.min(target, config.maxZoom));
    mapNode.focus({ preventScroll: true });
  }

  function serverBubble(feature) {
    var p = feature.properties;
    var c = feature.geometry.coordinates;
    var marker = L.marker([c[1], c[0]], {
      icon: bubbleIcon(p.count, p.overdue > 0, "cc-marker cc-marker--counted"),
      keyboard: true
    });
    marker.on("click", function () { zoomInto(feature); });
    marker.on("keypress", function (event) { if (activates(event)) { zoomInto(feature); } });
    return marker;
  }

  function drawMap(data) {
    bubbles.clearLayers();
    var next = {};
    var fresh = [];
    data.features.forEach(function (feature) {
      if (!feature.geometry || feature.geometry.type !== "Point") { return; }
      if (feature.properties.cluster) { bubbles.addLayer(serverBubble(feature)); return; }
      var marker = pointMarker(feature);
      var old = shown[feature.properties.id];
      if (old && old.ccKey === marker.ccKey) { next[feature.properties.id] = old; return; }
      next[feature.properties.id] = marker;
      fresh.push(marker);
    });
    // Markers that stay are kept, so an open popup survives the map moving under it.
    var gone = Object.keys(shown).filter(function (id) { return next[id] !== shown[id]; }).map(function (id) { return shown[id]; });
    points.removeLayers(gone);
    points.addLayers(fresh);
    shown = next;
  }

  // Keyboard: Enter on a marker opens its popup (Leaflet); the popup's link takes the focus,
  // Escape closes it and the focus goes back to the marker.
  var lastSource = null;
  map.on("popupopen", function (event) {
    lastSource = event.popup._source || null;
    var link = event.popup.getElement() && event.popup.getElement().querySelector(".cc-popup a");
    if (link) { link.focus({ preventScroll: true }); }
  });
  map.on("popupclose", function () {
    var active = document.activeElement;
    var target = lastSource && lastSource.getElement && lastSource.getElement();
    if (target && (!active || active === document.body || mapNode.contains(active))) { target.focus({ preventScroll: true }); }
  });

  // ---- the list ------------------------------------------------------------------------
  function listItem(p) {
    var item = el("li", "cc-report-list__item cc-map-item");
    if (p.thumbnail) {
      var img = el("img", "cc-map-item__thumb");
      img.src = p.thumbnail;
      img.alt = "";
      img.loading = "lazy";
      img.width = 72;
      img.height = 72;
      item.appendChild(img);
    }
    var body = el("div", "cc-map-item__body");
    var meta = el("p", "cc-report-list__meta");
    meta.appendChild(el("span", "cc-report-list__id", p.id));
    meta.appendChild(document.createTextNode(" · " + (p.category_name || "") + " · "));
    meta.appendChild(when(p.created_at));
    body.appendChild(meta);
    var title = el("h3", "cc-report-list__title");
    var link = el("a", null, p.title);
    link.href = p.url;
    title.appendChild(link);
    body.appendChild(title);
    body.appendChild(statusBadge(p));
    if (p.overdue) {
      body.appendChild(document.createTextNode(" "));
      body.appendChild(el("span", "cc-overdue", S.overdue));
    }
    item.appendChild(body);
    return item;
  }

  function showList(features, total, more) {
    list.textContent = "";
    var items = features.filter(function (f) { return f.properties && !f.properties.cluster; }).slice(0, LIST_MAX);
    items.forEach(function (f) { list.appendChild(listItem(f.properties)); });
    var text;
    if (more) { text = fill(S.summary_more, total); }
    else if (total === 0) { text = S.summary_none; }
    else if (total === 1) { text = S.summary_one; }
    else { text = fill(S.summary, total); }
    if (items.length && items.length < total) { text += " " + fill(S.newest, items.length); }
    if (!items.length && total > 0) { text += " " + S.zoom_in; }
    summary.textContent = text;
  }

  function clearErrors() {
    if (errorSummary) { errorSummary.hidden = true; }
    form.querySelectorAll("[aria-invalid]").forEach(function (node) {
      node.removeAttribute("aria-invalid");
      node.removeAttribute("aria-describedby");
    });
    form.querySelectorAll(".cc-error").forEach(function (node) { node.remove(); });
  }

  function showProblem(error) {
    list.textContent = "";
    summary.textContent = error.message || S.failed;
    summary.classList.add("cc-map-summary--error");
  }

  // ---- loading ---------------------------------------------------------------------------
  function filterParams() {
    var values = {};
    new FormData(form).forEach(function (value, key) {
      if (typeof value !== "string" || !value) { return; }
      (values[key] = values[key] || []).push(value);
    });
    var params = new URLSearchParams();
    Object.keys(values).forEach(function (key) { params.set(key, values[key].join(",")); });
    return params;
  }

  function clamp(value, low, high) { return Math.min(high, Math.max(low, value)); }
  function bboxParam() {
    var b = map.getBounds();
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
      .map(function (v) { return v.toFixed(6); }).join(",");
  }

  function rememberView(filters) {
    var params = new URLSearchParams(filters);
    var center = map.getCenter();
    params.set("lat", center.lat.toFixed(5));
    params.set("lon", center.lng.toFixed(5));
    params.set("zoom", String(map.getZoom()));
    window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
    var here = document.getElementById("cc-report-here");
    if (here) {
      here.href = config.newReport + "?lat=" + center.lat.toFixed(6) + "&lon=" + center.lng.toFixed(6);
    }
    var listTab = document.getElementById("cc-tab-list");
    if (listTab) {  // the tab "Elenco" keeps the filters chosen here
      var query = new URLSearchParams(filters).toString();
      listTab.href = listTab.pathname + (query ? "?" + query : "");
    }
  }

  function getJson(params, signal) {
    return fetch(config.api + "?" + params.toString(), {
      signal: signal,
      headers: { Accept: "application/geo+json, application/json" }
    }).then(function (response) {
      if (response.ok) { return response.json(); }
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("json") < 0) { throw new Error(S.failed); }
      return response.json().then(function (problem) {
        var error = new Error(problem.detail || problem.title || S.failed);
        error.parameter = problem.parameter;
        throw error;
      });
    });
  }

  var controller = null;
  var timer = null;
  var loads = 0; // finished loads, in data-loads: lets tests (and curious readers) know the map is current

  function load() {
    clearTimeout(timer);
    if (controller) { controller.abort(); }
    controller = new AbortController();
    var signal = controller.signal;
    var filters = filterParams();
    rememberView(filters);
    var params = new URLSearchParams(filters);
    params.set("bbox", bboxParam());
    params.set("zoom", String(map.getZoom()));
    // Up to the cap the answer is points, all of them: ask for all, so the map never shows a first page only.
    if (config.apiMaxLimit) { params.set("limit", String(config.apiMaxLimit)); }
    list.setAttribute("aria-busy", "true");
    mapNode.setAttribute("aria-busy", "true");
    getJson(params, signal).then(function (data) {
      clearErrors();
      summary.classList.remove("cc-map-summary--error");
      drawMap(data);
      if (!data.clustered) {
        showList(data.features, data.features.length, Boolean(data.next));
        return null;
      }
      var total = data.features.reduce(function (sum, f) { return sum + (f.properties.count || 0); }, 0);
      var newest = new URLSearchParams(params);
      newest.set("cluster", "never");
      newest.set("limit", String(LIST_MAX));
      return getJson(newest, signal).then(function (latest) {
        showList(latest.features, total, false);
      }, function (error) {
        if (error.name === "AbortError") { throw error; }
        showList([], total, false);
      });
    }).catch(function (error) {
      if (error.name === "AbortError") { return; }
      points.clearLayers();
      bubbles.clearLayers();
      shown = {};
      showProblem(error);
    }).then(function () {
      if (!signal.aborted) {
        list.removeAttribute("aria-busy");
        mapNode.removeAttribute("aria-busy");
        loads += 1;
        mapNode.setAttribute("data-loads", String(loads));
      }
    });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(load, DEBOUNCE_MS);
  }

  map.on("moveend", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load();
  });
  var clear = document.getElementById("cc-f-clear");
  if (clear) {
    clear.addEventListener("click", function (event) {
      event.preventDefault();
      form.querySelectorAll("input, select").forEach(function (field) {
        if (field.type === "radio") { field.checked = field.value === ""; }
        else if (field.type === "checkbox") { field.checked = false; }
        else if (field.tagName === "SELECT") { field.selectedIndex = 0; }
        else if (field.type !== "hidden") { field.value = ""; }
      });
      load();
    });
  }
  // A page refused by the server (bad filters in the address) keeps its explanation until the
  // visitor changes a filter; the map then loads.
  if (!errorSummary) { load(); }
})();
