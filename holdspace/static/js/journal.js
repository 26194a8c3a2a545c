// The Write form: each kind starts with its own visibility (a journal entry private, a shared
// reflection or intention shared with the couple) until the person picks who can see it
// themselves; a prompt and a voice note are offered only for the kinds that take them.
(function () {
  "use strict";
  var form = document.querySelector("form.journal-form");
  if (!form) return;
  var picked = false;
  // Said where the kind is chosen, before saving: who will see the entry as the form stands.
  var hint = form.querySelector("[data-kind-hint]");
  function sayWhoSees() {
    var chosen = form.querySelector('input[name="visibility"]:checked');
    if (hint && chosen && hint.dataset[chosen.value]) hint.textContent = hint.dataset[chosen.value];
  }
  form.querySelectorAll('input[name="visibility"]').forEach(function (radio) {
    radio.addEventListener("change", function () { picked = true; sayWhoSees(); });
  });
  function journalOnly(radio) {
    var hide = radio.dataset.journal === "0";
    form.querySelectorAll(".journal-only").forEach(function (part) { part.hidden = hide; });
  }
  form.querySelectorAll('input[name="kind"]').forEach(function (radio) {
    if (radio.checked) journalOnly(radio);
    radio.addEventListener("change", function () {
      if (!radio.checked) return;
      journalOnly(radio);
      if (!picked) {
        var target = form.querySelector('input[name="visibility"][value="' + radio.dataset.visibility + '"]');
        if (target) target.checked = true;
      }
      sayWhoSees();
    });
  });
  sayWhoSees();
})();
