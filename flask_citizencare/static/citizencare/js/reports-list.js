/* "Carica altre segnalazioni": the link to the next page of the list, followed in place.
   Without JavaScript the link opens the next page; with it, the next page's items are
   appended to the list, the link moves on to the page after (or goes), and the focus
   goes to the first item added, so a keyboard or screen-reader user reads on from there. */
(function () {
  "use strict";
  var list = document.getElementById("cc-report-items");
  var status = document.getElementById("cc-reports-status");
  if (!list || !window.fetch || !window.DOMParser) {
    return;
  }

  var errorSummary = document.getElementById("cc-error-summary");
  if (errorSummary) {
    errorSummary.focus();
  }

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function load(link) {
    if (link.getAttribute("aria-busy") === "true") {
      return;
    }
    link.setAttribute("aria-busy", "true");
    say(link.getAttribute("data-loading"));
    fetch(link.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (text) {
        var page = new DOMParser().parseFromString(text, "text/html");
        var items = page.querySelectorAll("#cc-report-items > li");
        var first = null;
        for (var i = 0; i < items.length; i++) {
          var item = document.importNode(items[i], true);
          list.appendChild(item);
          if (first === null) {
            first = item;
          }
        }
        var next = page.getElementById("cc-load-more");
        if (next) {
          link.href = next.getAttribute("href");
          link.removeAttribute("aria-busy");
        } else {
          link.parentNode.removeChild(link);
        }
        say(link.getAttribute("data-loaded"));
        var target = first && first.querySelector("a");
        if (target) {
          target.focus();
        } else if (!next) {
          list.setAttribute("tabindex", "-1");
          list.focus();
        }
      })
      .catch(function () {
        link.removeAttribute("aria-busy");
        say(link.getAttribute("data-failed"));
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#cc-load-more");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    load(link);
  });
})();
