/* The AgID rating widget (C.SI.2.5/2.6), progressive: choosing stars opens the
   matching block (1-3 negative, 4-5 positive) and hides the other; "Send"
   posts in place and says thanks. Without this file the form still works in
   two steps through the server. No inline code: the CSP forbids it. */
(function () {
  "use strict";
  var NEGATIVE_UP_TO = 3;

  function setUp(form) {
    if (form.getAttribute("data-cc-ready")) { return; }
    form.setAttribute("data-cc-ready", "1");
    var card = form.parentNode;
    var thanks = card.querySelector("[data-cc-feedback-thanks]");
    var details = form.querySelector("[data-cc-feedback-details]");
    var step = form.querySelector("[data-cc-feedback-step]");
    var message = form.querySelector("[data-cc-feedback-message]");
    var blocks = form.querySelectorAll("[data-cc-feedback-block]");

    function open(rating) {
      var kind = rating <= NEGATIVE_UP_TO ? "negative" : "positive";
      Array.prototype.forEach.call(blocks, function (block) {
        var shown = block.getAttribute("data-cc-feedback-block") === kind;
        block.hidden = !shown;
        if (!shown) {
          Array.prototype.forEach.call(block.querySelectorAll("input[type=radio]"), function (input) {
            input.checked = false;
          });
        }
      });
      details.hidden = false;
      step.value = "details";
    }

    Array.prototype.forEach.call(form.querySelectorAll("input[name=rating]"), function (input) {
      input.addEventListener("change", function () { open(parseInt(input.value, 10)); });
      if (input.checked) { open(parseInt(input.value, 10)); }
    });

    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) { return; }
      event.preventDefault();
      var body = new FormData(form);
      body.set("step", "details");
      message.textContent = "";
      fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; },
          function () { return { ok: false, data: {} }; });
      }).then(function (result) {
        if (result.ok) {
          form.hidden = true;
          thanks.hidden = false;
          var heading = thanks.querySelector("h2");
          if (heading) { heading.focus(); }
        } else {
          message.textContent = result.data.error || form.getAttribute("data-cc-error");
        }
      }, function () {
        message.textContent = form.getAttribute("data-cc-error");
      });
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-cc-feedback]"), setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
