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
  }

  restore();
  update();
  form.addEventListener("change", function () { save(); update(); });
  form.addEventListener("input", function () { save(); update(); });
})();
