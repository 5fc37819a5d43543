/* flask-citizencare: the intake form's suggested category follows what the operator types.
   Without this script the "Suggest a category" button asks the server for the same hints. */
(function () {
  "use strict";
  var box = document.querySelector("[data-cc-intake-suggest]");
  var form = box && box.closest("form");
  if (!box || !form || !window.fetch) { return; }
  var hints = box.querySelector("[data-cc-suggest-hints]");
  var select = form.querySelector("#category");
  var title = form.querySelector("#title");
  var description = form.querySelector("#description");
  var timer = null;
  var asked = "";
  var controller = null;

  function use(id, label) {
    if (!select) { return; }
    select.value = String(id);
    select.dispatchEvent(new Event("change", { bubbles: true }));
    select.focus();
  }

  function kind() {
    var chosen = form.querySelector("input[name=kind]:checked");
    return chosen ? chosen.value : "issue";
  }

  function line(prefix, choice, withButton) {
    var item = document.createElement("li");
    item.appendChild(document.createTextNode(prefix + " "));
    var strong = document.createElement("strong");
    strong.textContent = choice.label;
    item.appendChild(strong);
    item.appendChild(document.createTextNode(" (" + Math.round(choice.score * 100) + " %) "));
    if (withButton) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "cc-button cc-button--secondary";
      button.textContent = box.getAttribute("data-cc-suggest-use");
      button.setAttribute("aria-label", box.getAttribute("data-cc-suggest-use-label").replace("{label}", choice.label));
      button.addEventListener("click", function () { use(choice.id); });
      item.appendChild(button);
    }
    return item;
  }

  function show(data) {
    hints.textContent = "";
    if (!data.available) { return; }
    if (!data.categories.length && !data.offices.length) {
      var none = document.createElement("p");
      none.textContent = box.getAttribute("data-cc-suggest-none");
      hints.appendChild(none);
      return;
    }
    var list = document.createElement("ul");
    list.className = "cc-intake-suggest__list";
    data.categories.forEach(function (choice) {
      list.appendChild(line(box.getAttribute("data-cc-suggest-category"), choice, true));
    });
    data.offices.slice(0, 1).forEach(function (choice) {
      list.appendChild(line(box.getAttribute("data-cc-suggest-office"), choice, false));
    });
    hints.appendChild(list);
  }

  function ask() {
    var params = new URLSearchParams({
      title: (title && title.value || "").slice(0, 1000),
      description: (description && description.value || "").slice(0, 4000),
      kind: kind()
    });
    var query = params.toString();
    if (query === asked) { return; }
    asked = query;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    fetch(box.getAttribute("data-cc-suggest-url") + "?" + query, {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) { show(data); }
    }).catch(function () { /* the button still works */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 400);
  }

  // The server-rendered hints' buttons select without sending the form.
  box.querySelectorAll("[data-cc-use-category]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      use(button.getAttribute("data-cc-use-category"));
    });
  });
  var fallback = box.querySelector("[data-cc-suggest-button]");
  if (fallback) { fallback.hidden = true; }
  [title, description].forEach(function (field) {
    if (field) { field.addEventListener("input", later); }
  });
  form.querySelectorAll("input[name=kind]").forEach(function (radio) {
    radio.addEventListener("change", later);
  });
})();
