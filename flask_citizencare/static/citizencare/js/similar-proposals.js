/* flask-citizencare: similar open proposals under a proposal's title, while it is typed.
   The box (#cc-similar, in the report form's problem fields) names the JSON address in
   data-cc-similar-url and its texts in data-cc-similar-*; the answer is a list of
   {public_id, title, url, category, supports_count?, supports_label?}. Nothing here is needed:
   without this script the three-step form lists the same proposals on its summary step. */
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
