// Keeps a measure's answers in this browser until they are sent, so a dropped connection
// or a closed tab loses nothing, and shows how many questions are answered.
(function () {
  "use strict";
  var done = document.querySelector("[data-clear-draft]");
  if (done) {
    try { window.localStorage.removeItem(done.getAttribute("data-clear-draft")); } catch (e) {}
    return;
  }
  var form = document.querySelector("form.measure[data-draft-key]");
  if (!form) { return; }
  var key = form.getAttribute("data-draft-key");
  var progress = form.querySelector(".progress");
  var total = Number(progress.getAttribute("data-total"));

  // The "N of 10 answered" line sticks to the top: its height is kept as the page's scroll
  // padding (--sticky-top), so a radio reached by Tab, back or forward, is never under it.
  function keepFocusClearOfTheProgress() {
    document.documentElement.style.setProperty(
      "--sticky-top", progress.getBoundingClientRect().height + "px");
  }
  keepFocusClearOfTheProgress();
  window.addEventListener("resize", keepFocusClearOfTheProgress);

  function fields() { return Array.prototype.slice.call(form.querySelectorAll("fieldset.question")); }

  function answered(fieldset) {
    var checked = fieldset.querySelector("input[type=radio]:checked");
    var number = fieldset.querySelector("input[type=number]");
    return Boolean(checked || (number && number.value !== ""));
  }

  function save() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if ((el.type === "radio" && el.checked) || (el.type === "number" && el.value !== "")) {
        data[el.name] = el.value;
      }
    });
    try { window.localStorage.setItem(key, JSON.stringify(data)); } catch (e) {}
  }

  function restore() {
    var data;
    try { data = JSON.parse(window.localStorage.getItem(key) || "{}"); } catch (e) { data = {}; }
    Object.keys(data).forEach(function (name) {
      Array.prototype.forEach.call(form.querySelectorAll("[name='" + name + "']"), function (el) {
        if (el.type === "radio" && el.value === data[name] && !form.querySelector("[name='" + name + "']:checked")) {
          el.checked = true;
        } else if (el.type === "number" && el.value === "") {
          el.value = data[name];
        }
      });
    });
  }

  function update() {
    var count = fields().filter(answered).length;
    progress.textContent = progress.getAttribute("data-template")
      .replace("__N__", String(count)).replace("__TOTAL__", String(total));
    // After "Item 9 is not answered": an item answered now is no longer marked, and once none
    // is left the question goes away (the server asks again if one is cleared).
    fields().forEach(function (fieldset) {
      if (fieldset.classList.contains("unanswered") && answered(fieldset)) {
        fieldset.classList.remove("unanswered");
        var note = fieldset.querySelector(".not-answered");
        if (note) { note.hidden = true; }
      }
    });
    var ask = form.querySelector(".confirm-unanswered");
    if (ask && !form.querySelector("fieldset.unanswered")) { ask.hidden = true; }
  }

  // One question at a time: a choice the partner makes; all at once is the default and
  // what works without JavaScript.
  var modes = form.querySelector(".one-at-a-time");
  var stepper = form.querySelector(".stepper");
  var submit = form.querySelector("button[type=submit]");
  var current = 0;

  function show(index) {
    var all = fields();
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (fieldset, i) { fieldset.hidden = i !== current; });
    stepper.querySelector("[data-step='-1']").disabled = current === 0;
    stepper.querySelector("[data-step='1']").hidden = current === all.length - 1;
    submit.hidden = current !== all.length - 1;
    all[current].querySelector("input").focus();
  }

  function setMode(one) {
    modes.querySelector("[data-mode=one]").hidden = one;
    modes.querySelector("[data-mode=all]").hidden = !one;
    stepper.hidden = !one;
    if (one) {
      var first = fields().findIndex(function (f) { return !answered(f); });
      show(first === -1 ? 0 : first);
    } else {
      fields().forEach(function (fieldset) { fieldset.hidden = false; });
      submit.hidden = false;
    }
  }

  modes.hidden = false;
  modes.addEventListener("click", function (event) {
    var mode = event.target.getAttribute("data-mode");
    if (mode) { setMode(mode === "one"); }
  });
  stepper.addEventListener("click", function (event) {
    var step = Number(event.target.getAttribute("data-step"));
    if (step) { show(current + step); }
  });

  restore();
  update();
  form.addEventListener("change", function (event) {
    save();
    update();
    // In one-at-a-time mode a choice moves on to the next question.
    if (!stepper.hidden && event.target.type === "radio") { show(current + 1); }
  });
  form.addEventListener("input", function () { save(); update(); });
})();
