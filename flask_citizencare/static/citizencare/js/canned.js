/* flask-citizencare: insert a canned reply into the answer, ready to edit. Without this
   script the replies are still listed under the answer field, to copy by hand. */
(function () {
  "use strict";
  document.querySelectorAll("[data-canned-target]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-canned-target"));
      if (!target) { return; }
      target.value = button.getAttribute("data-canned-text");
      target.focus();
    });
  });
})();
