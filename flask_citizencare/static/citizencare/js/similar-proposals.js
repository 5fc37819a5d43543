/* flask-citizencare: what the report form shows while it is written.
   1. Similar open proposals under a proposal's title, while it is typed.
   The box (#cc-similar, in the report form's problem fields) names the JSON address in
   data-cc-similar-url and its texts in data-cc-similar-*; the answer is a list of
   {public_id, title, url, category, supports_count?, supports_label?}. Nothing here is needed:
   without this script the three-step form lists the same proposals on its summary step.
   2. "Did you mean the category …?" and "Is it one of these?" (possible duplicates nearby), while
   the title and the description are typed. The box (#cc-suggest, drawn only when a model is there)
   names the JSON address in data-cc-suggest-url and its texts in data-cc-suggest-*; the answer is
   {available, category: {id, label, score} | null, duplicates: [{public_id, title, url, distance_m,
   age_days}]}. The button only switches the category select: the citizen decides. Without this
   script the summary step shows the same hints. */
(function () {
  "use strict";

  var box = document.getElementById("cc-similar");
  var title = document.getElementById("title");
  if (!box || !title || !window.fetch) { return; }
  var form = title.form;
  var list = box.querySelector("[data-cc-similar-list]");
  var status = document.querySelector("[data-cc-similar-status]");
  var url = box.getAttribute("data-cc-similar-url");
  var MIN_CHARS = 3;
  var DELAY = 400; // ms after the last key press
  var timer = null;
  var controller = null;
  var asked = "";

  function kind() {
    var checked = form && form.querySelector("input[name='kind']:checked");
    if (checked) { return checked.value; }
    var field = form && form.querySelector("[name='kind']");
    return field ? field.value : "";
  }

  function clear() {
    list.textContent = "";
    box.hidden = true;
    if (status.textContent) { status.textContent = ""; }
  }

  function item(proposal) {
    var li = document.createElement("li");
    li.className = "cc-similar__item";
    li.setAttribute("data-cc-proposal", proposal.public_id);
    var page = proposal.url.split("#")[0];
    var link = document.createElement("a");
    link.className = "cc-similar__title";
    link.href = page;
    link.textContent = proposal.title;
    li.appendChild(link);
    var meta = document.createElement("span");
    meta.className = "cc-similar__meta";
    meta.textContent = proposal.category + (proposal.supports_label ? " · " + proposal.supports_label : "");
    li.appendChild(document.createTextNode(" "));
    li.appendChild(meta);
    li.appendChild(document.createTextNode(" "));
    var support = document.createElement("a");
    support.className = "cc-similar__support";
    support.href = proposal.url;
    support.textContent = box.getAttribute("data-cc-similar-action");
    var hidden = document.createElement("span");
    hidden.className = "cc-visually-hidden";
    hidden.textContent = ": " + proposal.title;
    support.appendChild(hidden);
    li.appendChild(support);
    return li;
  }

  function show(proposals) {
    list.textContent = "";
    if (!proposals.length) { clear(); return; }
    proposals.forEach(function (proposal) { list.appendChild(item(proposal)); });
    box.hidden = false;
    var text = box.getAttribute(proposals.length === 1 ? "data-cc-similar-one" : "data-cc-similar-many");
    status.textContent = text.replace("{n}", String(proposals.length));
  }

  function ask() {
    var text = title.value.trim();
    if (kind() !== "proposal" || text.length < MIN_CHARS) { asked = ""; clear(); return; }
    if (text === asked) { return; }
    asked = text;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    var options = { headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (controller) { options.signal = controller.signal; }
    fetch(url + "?title=" + encodeURIComponent(text), options).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (proposals) {
      if (asked === text) { show(Array.isArray(proposals) ? proposals : []); }
    }).catch(function (error) {
      if (!error || error.name !== "AbortError") { asked = ""; } // ask again at the next key press
    });
  }

  function later() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(ask, DELAY);
  }

  title.addEventListener("input", later);
  if (form) {
    form.querySelectorAll("[name='kind']").forEach(function (field) {
      field.addEventListener("change", function () { asked = ""; ask(); });
    });
  }
  ask();
})();

(function () {
  "use strict";

  var box = document.getElementById("cc-suggest");
  var title = document.getElementById("title");
  var description = document.getElementById("description");
  var category = document.getElementById("category");
  if (!box || !title || !category || !window.fetch) { return; }
  var form = title.form;
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var url = box.getAttribute("data-cc-suggest-url");
  var hint = box.querySelector("[data-cc-suggest-category]");
  var hintText = box.querySelector("[data-cc-suggest-text]");
  var button = box.querySelector("[data-cc-suggest-button]");
  var status = box.querySelector("[data-cc-suggest-status]");
  var duplicates = box.querySelector("[data-cc-suggest-duplicates]");
  var list = box.querySelector("[data-cc-suggest-list]");
  var MIN_CHARS = 3;
  var MAX_DESCRIPTION = 1000; // enough for the model, and the address stays short
  var DELAY = 600; // ms after the last key press
  var timer = null;
  var controller = null;
  var asked = "";
  var offered = null;

  function text(name, values) {
    var result = box.getAttribute("data-cc-suggest-" + name) || "";
    Object.keys(values || {}).forEach(function (key) { result = result.split(key).join(values[key]); });
    return result;
  }

  function kind() {
    var checked = form && form.querySelector("input[name='kind']:checked");
    if (checked) { return checked.value; }
    var field = form && form.querySelector("[name='kind']");
    return field ? field.value : "issue";
  }

  function number(field) {
    var value = field ? String(field.value).trim().replace(",", ".") : "";
    return value && isFinite(parseFloat(value)) ? String(parseFloat(value)) : "";
  }

  function showCategory(choice) {
    offered = null;
    if (!choice || String(choice.id) === category.value) { hint.hidden = true; return; }
    var option = category.querySelector("option[value='" + String(choice.id).replace(/[^0-9]/g, "") + "']");
    if (!option || option.disabled) { hint.hidden = true; return; }
    offered = choice;
    hintText.textContent = text("did-you-mean", { "{category}": choice.label });
    button.textContent = text("use", { "{category}": choice.label });
    hint.hidden = false;
  }

  function item(report) {
    var li = document.createElement("li");
    li.className = "cc-similar__item";
    li.setAttribute("data-cc-duplicate", report.public_id);
    var link = document.createElement("a");
    link.className = "cc-similar__title";
    link.href = report.url;
    link.textContent = report.title;
    li.appendChild(link);
    var parts = [];
    if (typeof report.distance_m === "number") {
      parts.push(text("distance", { "12345": String(report.distance_m) }));
    }
    var days = report.age_days;
    parts.push(days === 0 ? text("today") : text(days === 1 ? "day" : "days", { "12345": String(days) }));
    var meta = document.createElement("span");
    meta.className = "cc-similar__meta";
    meta.textContent = parts.join(" · ");
    li.appendChild(document.createTextNode(" "));
    li.appendChild(meta);
    li.appendChild(document.createTextNode(" "));
    var follow = document.createElement("a");
    follow.className = "cc-similar__support";
    follow.href = report.url + "#cc-follow";
    follow.textContent = text("action");
    var hidden = document.createElement("span");
    hidden.className = "cc-visually-hidden";
    hidden.textContent = ": " + report.title;
    follow.appendChild(hidden);
    li.appendChild(follow);
    return li;
  }

  function showDuplicates(reports) {
    list.textContent = "";
    if (!reports.length) { duplicates.hidden = true; return; }
    duplicates.querySelector("[data-cc-suggest-duplicates-heading]").textContent = text("heading");
    duplicates.querySelector("[data-cc-suggest-duplicates-hint]").textContent = text("hint");
    reports.forEach(function (report) { list.appendChild(item(report)); });
    duplicates.hidden = false;
  }

  function show(answer) {
    if (!answer || !answer.available) { showCategory(null); showDuplicates([]); return; }
    showCategory(answer.category);
    showDuplicates(Array.isArray(answer.duplicates) ? answer.duplicates : []);
  }

  function query() {
    var words = title.value.trim();
    var more = description ? description.value.trim().slice(0, MAX_DESCRIPTION) : "";
    if ((words + more).length < MIN_CHARS) { return ""; }
    var parts = ["title=" + encodeURIComponent(words), "description=" + encodeURIComponent(more),
      "kind=" + encodeURIComponent(kind()), "category=" + encodeURIComponent(category.value || "")];
    var y = number(lat), x = number(lon);
    if (y && x) { parts.push("lat=" + encodeURIComponent(y), "lon=" + encodeURIComponent(x)); }
    return parts.join("&");
  }

  function ask() {
    var wanted = query();
    if (!wanted) { asked = ""; show(null); return; }
    if (wanted === asked) { return; }
    asked = wanted;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    var options = { headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (controller) { options.signal = controller.signal; }
    fetch(url + "?" + wanted, options).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (answer) {
      if (asked === wanted) { show(answer); }
    }).catch(function (error) {
      if (!error || error.name !== "AbortError") { asked = ""; } // ask again at the next change
    });
  }

  function later() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(ask, DELAY);
  }

  button.addEventListener("click", function () {
    if (!offered) { return; }
    var choice = offered;
    category.value = String(choice.id);
    // The form's other helpers (help text, the category's questions) follow the select.
    category.dispatchEvent(new Event("change", { bubbles: true }));
    hint.hidden = true;
    status.textContent = text("changed", { "{category}": choice.label });
    category.focus();
  });
  title.addEventListener("input", later);
  if (description) { description.addEventListener("input", later); }
  category.addEventListener("change", function () {
    if (offered && category.value !== String(offered.id)) { status.textContent = ""; }
    later();
  });
  [lat, lon].forEach(function (field) { if (field) { field.addEventListener("change", later); } });
  if (lat) { lat.addEventListener("citizencare:point", later); } // the pin moved on the map (report-form.js)
  if (form) {
    form.querySelectorAll("[name='kind']").forEach(function (field) { field.addEventListener("change", later); });
  }
  ask();
})();
