// The journal form: a journal entry starts private and a shared reflection starts shared with
// the couple, until the person picks who can see it themselves.
(function () {
  "use strict";
  var form = document.querySelector("form.journal-form");
  if (!form) return;
  var picked = false;
  form.querySelectorAll('input[name="visibility"]').forEach(function (radio) {
    radio.addEventListener("change", function () { picked = true; });
  });
  form.querySelectorAll('input[name="kind"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (picked || !radio.checked) return;
      var target = form.querySelector('input[name="visibility"][value="' + radio.dataset.visibility + '"]');
      if (target) target.checked = true;
    });
  });
})();
