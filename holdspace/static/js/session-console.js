// The live session console: every event is given its id here, kept in this browser's queue
// (localStorage) and sent in the order it was recorded when the connection allows. The server
// records each id once, so sending again after a dropped answer never doubles an event.
//
// What was typed is never thrown away: a form is cleared only once the server has accepted its
// event. An event the server refuses stays in this browser (across a reload) with its reason,
// until it is edited and sent again or deliberately discarded; "All saved" is never shown
// while one is waiting there. Times are shown in the organisation's time zone, and the session
// clock counts from the first dose, as the server does.
(function () {
  "use strict";
  var root = document.querySelector("[data-session-console]");
  if (!root) { return; }
  var endpoint = root.getAttribute("data-endpoint");
  var prefix = "holdspace:session:" + root.getAttribute("data-session");
  var key = prefix + ":queue";
  var refusedKey = prefix + ":refused";
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var statusLine = root.querySelector("[data-queue-status]");
  var liveAlerts = root.querySelector("[data-live-alerts]");
  var timeZone = document.body.getAttribute("data-time-zone") ||
    root.getAttribute("data-server-time-zone") || "UTC";
  var sending = false;

  // The session bar sticks to the top and wraps to several lines on a phone: the page keeps
  // its height as scroll padding (--sticky-top in the stylesheet), so a control reached by Tab
  // is scrolled clear of the bar, never under it (WCAG 2.4.11).
  var bar = root.querySelector(".session-bar");
  function keepFocusClearOfTheBar() {
    var sticky = getComputedStyle(bar).position === "sticky";
    document.documentElement.style.setProperty(
      "--sticky-top", (sticky ? bar.getBoundingClientRect().height : 0) + "px");
  }
  if (bar) {
    keepFocusClearOfTheBar();
    if (window.ResizeObserver) { new ResizeObserver(keepFocusClearOfTheBar).observe(bar); }
    window.addEventListener("resize", keepFocusClearOfTheBar);
  }

  // The kinds of event and their names, as the server's EventKind has them (json_script).
  var KINDS = {};
  try {
    JSON.parse(document.getElementById("session-event-kinds").textContent).forEach(
      function (pair) { KINDS[pair[0]] = pair[1]; });
  } catch (e) { /* names fall back to the kinds themselves */ }
  var DOSES = ["dose", "supplemental_dose"];

  // Storage ------------------------------------------------------------------------------------

  function read(name) {
    try { return JSON.parse(window.localStorage.getItem(name) || "[]"); } catch (e) { return []; }
  }
  function write(name, list) {
    try { window.localStorage.setItem(name, JSON.stringify(list)); } catch (e) { /* full */ }
  }
  function load() { return read(key); }
  function store(queue) { write(key, queue); }
  function drop(id) { store(load().filter(function (e) { return e.id !== id; })); }
  function refusals() { return read(refusedKey); }
  function keepRefused(ev, reason) {
    var list = refusals().filter(function (r) { return r.ev.id !== ev.id; });
    list.push({ ev: ev, reason: reason });
    write(refusedKey, list);
  }
  function forgetRefused(id) {
    write(refusedKey, refusals().filter(function (r) { return r.ev.id !== id; }));
  }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); });
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  // Time, in the organisation's zone -----------------------------------------------------------

  var clockFormat = (function () {
    try {
      return new Intl.DateTimeFormat("en-GB", {
        hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: timeZone
      });
    } catch (e) {  // an unknown zone name: the server's own, UTC
      return new Intl.DateTimeFormat("en-GB", {
        hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "UTC"
      });
    }
  }());
  function clock(date) { return clockFormat.format(date); }
  function minutesOfDay(date) {
    var parts = clock(date).split(":");
    return Number(parts[0]) * 60 + Number(parts[1]);
  }

  // HH:MM typed on the form: the latest such time in the organisation's zone (a reading noted
  // at 23:58 and typed in at 00:03 was taken yesterday).
  function typedTime(value) {
    var parts = value.split(":");
    var now = new Date();
    var shift = Number(parts[0]) * 60 + Number(parts[1]) - minutesOfDay(now);
    if (shift > 5) { shift -= 24 * 60; }
    var when = new Date(now.getTime() + shift * 60000);
    when.setSeconds(0, 0);
    return when;
  }

  function takenAt(form, kind) {
    var field = form.querySelector("input[name=taken_at]");
    var original = form.getAttribute("data-resend-at");
    if (field && field.value) {
      if (original && field.value === form.getAttribute("data-resend-clock")) { return original; }
      return typedTime(field.value).toISOString();
    }
    // Sent again after a refusal: when it happened, unless it is the end (pressed now).
    if (original && !field && kind !== "end") { return original; }
    return new Date().toISOString();
  }

  // Forms --------------------------------------------------------------------------------------

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

  // Where an event was typed, so it can be put back there to edit and send again.
  function origin(form) {
    var corrects = form.querySelector("input[name='data.corrects']");
    return {
      kind: form.getAttribute("data-kind"),
      partner: form.getAttribute("data-partner") || "",
      corrects: corrects ? corrects.value : ""
    };
  }

  function formFor(where) {
    if (!where) { return null; }
    var found = null;
    Array.prototype.forEach.call(root.querySelectorAll("form.event-form"), function (form) {
      var here = origin(form);
      if (!found && here.kind === where.kind && here.partner === where.partner &&
          here.corrects === where.corrects) { found = form; }
    });
    return found;
  }

  function fill(form, ev) {
    form.reset();
    var kindField = form.querySelector("select[name=kind]");
    if (kindField) { kindField.value = ev.kind; }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name.indexOf("data.") !== 0) { return; }
      var value = el.name.slice(5).split(".").reduce(function (at, part) {
        return at && typeof at === "object" ? at[part] : undefined;
      }, ev.data || {});
      if (FLAGS.indexOf(el.name.split(".").pop()) !== -1) { el.checked = Boolean(value); return; }
      el.value = value === undefined || value === null ? "" : String(value);
    });
    var field = form.querySelector("input[name=taken_at]");
    var at = clock(new Date(ev.occurred_at));
    if (field) { field.value = at; }
    form.setAttribute("data-resend-at", ev.occurred_at);
    form.setAttribute("data-resend-clock", at);
  }

  function clear(form) {
    form.reset();
    ["data-pending", "data-resends", "data-resend-at", "data-resend-clock"].forEach(function (a) {
      form.removeAttribute(a);
    });
    var details = form.closest("details.correct");
    if (details) { details.open = false; }
  }

  // The timeline -------------------------------------------------------------------------------

  function describe(ev) {
    var d = ev.data || {};
    switch (ev.kind) {
      case "dose": case "supplemental_dose":
        return d.amount_mg + " mg · " + (d.units ? d.units + (d.units === 1 ? " unit · " : " units · ") : "") +
          (d.product ? d.product + " · " : "") + "lot " + (d.lot || "");
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

  function button(text, action, id) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "small";
    b.textContent = text;
    b.setAttribute("data-" + action, id);
    return b;
  }

  function render(ev, state, message) {
    var item = itemFor(ev.id);
    if (!item) {
      var list = root.querySelector("[data-timeline='" + (ev.partner_id || "joint") + "']");
      if (!list) { return; }
      item = document.createElement("li");
      item.className = "event kind-" + ev.kind;
      item.setAttribute("data-event-id", ev.id);
      item.setAttribute("data-at", ev.occurred_at);
      var time = document.createElement("time");
      time.setAttribute("datetime", ev.occurred_at);
      time.textContent = clock(new Date(ev.occurred_at));
      var body = document.createElement("div");
      var strong = document.createElement("strong");
      strong.textContent = KINDS[ev.kind] || ev.kind;
      var text = document.createElement("span");
      text.className = "text";
      text.textContent = " " + describe(ev);
      var label = document.createElement("span");
      label.className = "state small";
      var actions = document.createElement("span");
      actions.className = "refused-actions";
      body.appendChild(strong); body.appendChild(text); body.appendChild(document.createElement("br"));
      body.appendChild(label); body.appendChild(actions);
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
    var stateLabel = item.querySelector(".state");
    if (stateLabel) {
      stateLabel.textContent = {
        pending: "Waiting to send…", saved: "Saved", refused: "Not saved: " + (message || ""),
        conflict: "Not saved: " + (message || "")
      }[state];
      if (state === "refused" || state === "conflict") {
        stateLabel.setAttribute("role", "alert");
      } else {
        stateLabel.removeAttribute("role");
      }
    }
    var actionsBox = item.querySelector(".refused-actions");
    if (actionsBox) {
      actionsBox.textContent = "";
      if (state === "refused" || state === "conflict") {
        actionsBox.appendChild(button("Edit and resend", "resend", ev.id));
        actionsBox.appendChild(button("Discard", "discard", ev.id));
      }
    }
  }

  // Each alert names the partner it is about, as the page does after a reload.
  function showAlerts(alerts, ev) {
    var heading = ev && ev.partner_id ? document.getElementById("col-" + ev.partner_id) : null;
    (alerts || []).forEach(function (alert) {
      var p = document.createElement("p");
      p.className = "event-alert";
      p.setAttribute("role", "alert");
      p.appendChild(document.createTextNode("⚠ "));
      if (heading) {
        var name = document.createElement("strong");
        name.textContent = heading.textContent;
        p.appendChild(name);
        p.appendChild(document.createTextNode(": "));
      }
      p.appendChild(document.createTextNode(alert.message));
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
    var refused = refusals().length;
    statusLine.classList.toggle("waiting", waiting > 0 && !refused);
    statusLine.classList.toggle("refused", refused > 0);
    var parts = [];
    if (refused) {
      parts.push(refused + (refused === 1 ? " event" : " events") +
        " not saved: edit and resend, or discard");
    }
    if (waiting) {
      parts.push(waiting + (waiting === 1 ? " event" : " events") + " waiting to send" +
        (navigator.onLine ? "…" : " — offline, kept on this device"));
    }
    statusLine.textContent = parts.length ? parts.join(" · ") : "All saved";
  }

  // Sending ------------------------------------------------------------------------------------

  function wire(ev) {
    return { id: ev.id, partner_id: ev.partner_id, kind: ev.kind, occurred_at: ev.occurred_at,
      data: ev.data };
  }

  // The badge follows what the server does with an accepted event: a first dose begins the
  // session, an end ends it (a note or vital signs before the dose change nothing).
  var stage = root.querySelector("[data-session-stage]");
  function advanceStage(kind) {
    if (!stage) { return; }
    var next = kind === "end" ? "ended" : (kind === "dose" ? "in_progress" : null);
    if (!next || (next === "in_progress" && !stage.classList.contains("stage-scheduled"))) { return; }
    stage.className = "stage stage-" + next;
    stage.textContent = stage.getAttribute("data-label-" + next);
  }

  function accepted(ev, body) {
    drop(ev.id); render(ev, "saved"); showAlerts(body.alerts, ev); advanceStage(ev.kind);
    // What the server stored (a dose from the ledger: its lot's product and the units).
    var item = itemFor(ev.id);
    if (item && body.data) {
      item.querySelector(".text").textContent = " " + describe({ kind: ev.kind, data: body.data });
    }
    Array.prototype.forEach.call(root.querySelectorAll("form.event-form"), function (form) {
      if (form.getAttribute("data-pending") === ev.id) { clear(form); fieldErrors(form, null); showUnits(form); }
    });
    startTimer(ev);
  }

  // A refusal's messages beside the fields they name (data.lot, data.amount_mg …), as the
  // page without JavaScript shows them.
  function fieldErrors(form, body) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-error-for]"), function (box) {
      box.textContent = ""; box.hidden = true;
    });
    if (!body || !Array.isArray(body.detail)) { return; }
    body.detail.forEach(function (problem) {
      var field = (problem.loc || []).slice(2).join(".");
      var box = form.querySelector("[data-error-for='" + field + "']");
      if (box) { box.textContent = problem.msg; box.hidden = false; }
    });
  }

  function refused(ev, state, reason, body) {
    drop(ev.id);
    keepRefused(ev, reason);
    render(ev, state, reason);
    // The form still holding what was sent: sending it again replaces this refusal.
    Array.prototype.forEach.call(root.querySelectorAll("form.event-form"), function (form) {
      if (form.getAttribute("data-pending") === ev.id) {
        form.removeAttribute("data-pending");
        form.setAttribute("data-resends", ev.id);
        fieldErrors(form, body);
        var details = form.closest("details");
        if (details) { details.open = true; }
      }
    });
  }

  // A dose from the ledger: the units it is of the lot chosen, as it is typed.
  function showUnits(form) {
    var lot = form.querySelector("[data-dose-lot]");
    var out = form.querySelector("[data-dose-units]");
    var amount = form.querySelector("input[name='data.amount_mg']");
    if (!lot || !out || !amount) { return; }
    var option = lot.options[lot.selectedIndex];
    var per = option ? Number(option.getAttribute("data-mg")) : 0;
    var mg = Number(amount.value);
    if (!per || !mg) { out.textContent = ""; return; }
    var units = mg / per;
    var whole = Math.round(units);
    out.textContent = whole >= 1 && Math.abs(units - whole) <= 1e-6 * Math.max(1, units) ?
      "= " + whole + (whole === 1 ? " unit" : " units") + " of lot " + option.value :
      "Not a whole number of units of lot " + option.value + " (" + per + " mg per unit)";
  }
  Array.prototype.forEach.call(root.querySelectorAll("form[data-kind=dose]"), showUnits);

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
      body: JSON.stringify(wire(ev))
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    }).then(function (answer) {
      sending = false;
      if (answer.status === 201 || answer.status === 200) {
        accepted(ev, answer.body);
      } else if (answer.status === 409) {
        refused(ev, "conflict", problems(answer.body), answer.body);
      } else if (answer.status >= 400 && answer.status < 500 && answer.status !== 429 &&
                 answer.status !== 401) {
        refused(ev, "refused", problems(answer.body), answer.body);
      } else {
        // The server is unwell, busy, or this browser's session has ended (401): keep it and
        // try again shortly; it goes once the server answers (or someone signs in again).
        return status();
      }
      flush();
    }).catch(function () { sending = false; status(); });
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("event-form")) { return; }
    event.preventDefault();
    if (form.getAttribute("data-pending")) { flush(); return; }  // already waiting to send
    var kindField = form.querySelector("[name=kind]");
    var partner = form.getAttribute("data-partner");
    var kind = kindField ? kindField.value : form.getAttribute("data-kind");
    var ev = {
      id: uuid(),
      partner_id: partner ? Number(partner) : null,
      kind: kind,
      occurred_at: takenAt(form, kind),
      data: collect(form),
      form: origin(form)
    };
    var replaces = form.getAttribute("data-resends");
    if (replaces) {
      forgetRefused(replaces);
      var old = itemFor(replaces);
      if (old) { old.parentNode.removeChild(old); }
      form.removeAttribute("data-resends");
    }
    var queue = load();
    queue.push(ev);
    store(queue);
    form.setAttribute("data-pending", ev.id);
    render(ev, "pending");
    flush();
  });

  // Typing into a form after sending it: what is there now is a new event, never cleared.
  function edited(event) {
    var form = event.target.form;
    if (form && form.classList.contains("event-form")) {
      form.removeAttribute("data-pending");
      if (form.getAttribute("data-kind") === "dose") { showUnits(form); }
    }
  }
  root.addEventListener("input", edited);
  root.addEventListener("change", edited);

  root.addEventListener("click", function (event) {
    var target = event.target;
    var resend = target.getAttribute && target.getAttribute("data-resend");
    var discard = target.getAttribute && target.getAttribute("data-discard");
    if (resend) {
      var entry = refusals().filter(function (r) { return r.ev.id === resend; })[0];
      var form = entry && formFor(entry.ev.form);
      if (!form) { return; }
      var details = form.closest("details");
      if (details) { details.open = true; }
      fill(form, entry.ev);
      form.removeAttribute("data-pending");
      form.setAttribute("data-resends", resend);
      var first = form.querySelector("input:not([type=hidden]), textarea, select");
      if (first) { first.focus(); }
      form.scrollIntoView({ block: "center" });
    } else if (discard) {
      forgetRefused(discard);
      var item = itemFor(discard);
      if (item) { item.parentNode.removeChild(item); }
      Array.prototype.forEach.call(root.querySelectorAll("form.event-form"), function (form_) {
        if (form_.getAttribute("data-resends") === discard) { form_.removeAttribute("data-resends"); }
      });
      status();
    }
  });

  // The session clock: elapsed since the first dose (as the server counts), against the
  // minimum duration.
  var timer = root.querySelector(".session-timer");
  var elapsed = timer.querySelector(".elapsed");
  var started = timer.getAttribute("data-started");
  var ended = timer.getAttribute("data-ended");
  var minimum = Number(timer.getAttribute("data-minimum") || 0);
  function startTimer(ev) {
    if (DOSES.indexOf(ev.kind) !== -1 && (!started || ev.occurred_at < started)) {
      started = ev.occurred_at;
    }
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

  // Server-rendered times, in the organisation's zone whatever this device's zone.
  Array.prototype.forEach.call(root.querySelectorAll(".timeline time[datetime]"), function (t) {
    var at = new Date(t.getAttribute("datetime"));
    if (!isNaN(at)) { t.textContent = clock(at); }
  });

  refusals().forEach(function (r) { render(r.ev, "refused", r.reason); });
  load().forEach(function (ev) { render(ev, "pending"); });
  window.addEventListener("online", flush);
  window.addEventListener("offline", status);
  window.setInterval(flush, 3000);
  flush();
}());
