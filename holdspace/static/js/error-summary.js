// A refused form comes back with a summary of what to change at the top: focus goes there on
// load so a screen reader reads it out and a keyboard starts from it, and each of its links
// takes focus to its field (a plain jump would only scroll) with the field's label in view.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.querySelectorAll('a[href^="#"]').forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      // A link to a group (a fieldset) lands on its first control.
      if (!target.matches("input, select, textarea, button")) target = target.querySelector("input, select, textarea") || target;
      event.preventDefault();
      var details = target.closest("details");
      if (details) details.open = true;
      var around = target.closest(".field, fieldset") || target;
      around.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    });
  });
})();
