// The live session console: every event is given its id here, kept in this browser's queue
// (localStorage) and sent in the order it was recorded when the connection allows. The server
// records each id once, so sending again after a dropped answer never doubles an event.
(function () {
  "use strict";
  var root = document.querySelector("[data-session-console]");
  if (!root) { return; }
  var endpoint = root.getAttribute("data-endpoint");
  var key = "holdspace:session:" + root.getAttribute("data-session") + ":queue";
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var statusLine = root.querySelector("[data-queue-status]");
  var liveAlerts = root.querySelector("[data-live-alerts]");
  var sending = false;

  var KINDS = {
    dose: "Dose given", supplemental_dose: "Supplemental dose", vitals: "Vital signs",
    note: "Note", observation: "Observation", music: "Music change", touch: "Supportive touch",
    monitoring_break: "Break in monitoring", adverse_event: "Adverse event",
    correction: "Correction", end: "End of session"
  };

  function load() {
    try { return JSON.parse(window.localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function store(queue) {
    try { window.localStorage.setItem(key, JSON.stringify(queue)); } catch (e) { /* full */ }
  }
  function drop(id) { store(load().filter(function (e) { return e.id !== id; })); }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); });
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  var NUMBERS = ["amount_mg", "systolic", "diastolic", "heart_rate", "temperature_c", "minutes"];
  var FLAGS = ["emergency_services", "medical_care"];

  function collect(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name.indexOf("data.") !== 0) { return; }
      var path = el.name.slice(5).split(".");
      var name = path.pop();
      var target = data;
      path.forEach(function (part) { target[part] = target[part] || {}; target = target[part]; });
      if (FLAGS.indexOf(name) !== -1) { target[name] = el.checked; return; }
      var value = (el.value || "").trim();
      if (value === "") { return; }
      target[name] = NUMBERS.indexOf(name) !== -1 && !isNaN(Number(value)) ? Number(value) : value;
    });
    return data;
  }

  function takenAt(form) {
    var clock = form.querySelector("input[name=taken_at]");
    var when = new Date();
    if (clock && clock.value) {
      var parts = clock.value.split(":");
      when.setHours(Number(parts[0]), Number(parts[1]), 0, 0);
    }
    return when.toISOString();
  }

  function describe(ev) {
    var d = ev.data || {};
    switch (ev.kind) {
      case "dose": case "supplemental_dose":
        return d.amount_mg + " mg · " + (d.product || "") + " · lot " + (d.lot || "");
      case "vitals":
        var parts = [];
        if (d.systolic || d.diastolic) { parts.push("BP " + (d.systolic || "–") + "/" + (d.diastolic || "–")); }
        if (d.heart_rate) { parts.push("HR " + d.heart_rate); }
        if (d.temperature_c) { parts.push(d.temperature_c + " °C"); }
        return parts.join(" · ");
      case "touch": return (d.by === "facilitator" ? "Facilitator" : "Partner") + " · " + (d.form || "");
      case "monitoring_break": return d.minutes + " min · covered by " + (d.covered_by || "");
      case "adverse_event": return (d.severity || "") + ": " + (d.description || "");
      case "correction": return "Corrects an earlier event: " + (d.reason || "");
      case "end": return "Session ended (" + (d.reason === "emergency_transfer" ? "emergency transfer" : "completed") + ")";
      default: return d.text || "";
    }
  }

  function itemFor(id) { return root.querySelector("li[data-event-id='" + id + "']"); }

  function render(ev, state, message) {
    var item = itemFor(ev.id);
    if (!item) {
      var list = root.querySelector("[data-timeline='" + (ev.partner_id || "joint") + "']");
      if (!list) { return; }
      item = document.createElement("li");
      item.className = "event kind-" + ev.kind;
      item.setAttribute("data-event-id", ev.id);
      item.setAttribute("data-at", ev.occurred_at);
      var at = new Date(ev.occurred_at);
      var time = document.createElement("time");
      time.setAttribute("datetime", ev.occurred_at);
      time.textContent = ("0" + at.getHours()).slice(-2) + ":" + ("0" + at.getMinutes()).slice(-2);
      var body = document.createElement("div");
      var strong = document.createElement("strong");
      strong.textContent = KINDS[ev.kind] || ev.kind;
      var text = document.createElement("span");
      text.className = "text";
      text.textContent = " " + describe(ev);
      var state_ = document.createElement("span");
      state_.className = "state small";
      body.appendChild(strong); body.appendChild(text); body.appendChild(document.createElement("br"));
      body.appendChild(state_);
      item.appendChild(time); item.appendChild(body);
      // Keep the timeline in the order events were taken.
      var after = null;
      Array.prototype.forEach.call(list.children, function (other) {
        if (!after && other.getAttribute("data-at") > ev.occurred_at) { after = other; }
      });
      list.insertBefore(item, after);
    }
    item.classList.remove("is-pending", "is-saved", "is-refused", "is-conflict");
    item.classList.add("is-" + state);
    var label = item.querySelector(".state");
    if (label) {
      label.textContent = {
        pending: "Waiting to send…", saved: "Saved", refused: "Not saved: " + (message || ""),
        conflict: "Not saved: " + (message || "")
      }[state];
      if (state === "refused" || state === "conflict") { label.setAttribute("role", "alert"); }
    }
  }

  function showAlerts(alerts) {
    (alerts || []).forEach(function (alert) {
      var p = document.createElement("p");
      p.className = "event-alert";
      p.setAttribute("role", "alert");
      p.textContent = "⚠ " + alert.message;
      liveAlerts.appendChild(p);
    });
  }

  function problems(body) {
    if (body && Array.isArray(body.detail)) {
      return body.detail.map(function (p) { return p.msg; }).join(" ");
    }
    return (body && body.detail) || "refused";
  }

  function status() {
    var waiting = load().length;
    statusLine.classList.toggle("waiting", waiting > 0);
    if (!waiting) { statusLine.textContent = "All saved"; return; }
    statusLine.textContent = waiting + (waiting === 1 ? " event" : " events") +
      " waiting to send" + (navigator.onLine ? "…" : " — offline, kept on this device");
  }

  function flush() {
    status();
    if (sending) { return; }
    var queue = load();
    if (!queue.length || !navigator.onLine) { return; }
    var ev = queue[0];
    sending = true;
    fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(ev)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    }).then(function (answer) {
      sending = false;
      if (answer.status === 201 || answer.status === 200) {
        drop(ev.id); render(ev, "saved"); showAlerts(answer.body.alerts);
        startTimer(ev);
      } else if (answer.status === 409) {
        drop(ev.id); render(ev, "conflict", problems(answer.body));
      } else if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
        drop(ev.id); render(ev, "refused", problems(answer.body));
      } else {
        return status();  // the server is unwell: keep it, try again shortly
      }
      flush();
    }).catch(function () { sending = false; status(); });
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("event-form")) { return; }
    event.preventDefault();
    var kindField = form.querySelector("[name=kind]");
    var partner = form.getAttribute("data-partner");
    var ev = {
      id: uuid(),
      partner_id: partner ? Number(partner) : null,
      kind: kindField ? kindField.value : form.getAttribute("data-kind"),
      occurred_at: takenAt(form),
      data: collect(form)
    };
    var queue = load();
    queue.push(ev);
    store(queue);
    render(ev, "pending");
    Array.prototype.forEach.call(form.querySelectorAll("textarea, input[type=number]:not([value]), input[name=taken_at], input[name='data.reason'], input[name='data.covered_by'], input[name='data.text']"), function (el) { el.value = ""; });
    Array.prototype.forEach.call(form.querySelectorAll("input[type=checkbox]"), function (el) { el.checked = false; });
    if (ev.kind === "vitals") {
      Array.prototype.forEach.call(form.querySelectorAll("input[type=number]"), function (el) { el.value = ""; });
    }
    var details = form.closest("details.correct");
    if (details) { details.open = false; }
    flush();
  });

  // The timer: elapsed since the first event, against the minimum duration.
  var timer = root.querySelector(".session-timer");
  var elapsed = timer.querySelector(".elapsed");
  var started = timer.getAttribute("data-started");
  var ended = timer.getAttribute("data-ended");
  var minimum = Number(timer.getAttribute("data-minimum") || 0);
  function startTimer(ev) {
    if (!started || ev.occurred_at < started) { started = ev.occurred_at; }
    if (ev.kind === "end") { ended = ev.occurred_at; }
    tick();
  }
  function tick() {
    if (!started) { return; }
    var end = ended ? new Date(ended) : new Date();
    var minutes = Math.max(0, Math.floor((end - new Date(started)) / 60000));
    elapsed.textContent = Math.floor(minutes / 60) + " h " + ("0" + (minutes % 60)).slice(-2) + " min";
    timer.classList.toggle("short", Boolean(minimum) && minutes < minimum);
    timer.classList.toggle("long-enough", Boolean(minimum) && minutes >= minimum);
  }
  tick();
  window.setInterval(tick, 15000);

  load().forEach(function (ev) { render(ev, "pending"); });
  window.addEventListener("online", flush);
  window.addEventListener("offline", status);
  window.setInterval(flush, 3000);
  flush();
}());
