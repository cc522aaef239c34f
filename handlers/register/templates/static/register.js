// linkgate registration pages: copy buttons, the live DNS check and the
// live domain status. The pages work without it.
(function () {
  "use strict";

  // Copy buttons: shared/copy.js.

  // Poll url every ms milliseconds (growing to maxMs) while active()
  // says so; fn gets the response and returns false to stop.
  function poll(url, accept, ms, maxMs, active, fn) {
    var stopped = false;
    function tick() {
      if (stopped) { return; }
      if (!active()) { setTimeout(tick, ms); return; }
      ms = Math.min(maxMs, Math.round(ms * 1.1));
      fetch(url, { headers: { "Accept": accept }, credentials: "same-origin", cache: "no-store", redirect: "error" })
        .then(function (r) {
          if (r.status === 429) { return null; }
          if (!r.ok) { stopped = r.status === 401 || r.status === 404 || r.status === 410; return null; }
          return accept === "application/json" ? r.json() : r.text();
        })
        .then(function (body) { if (body !== null && fn(body) === false) { stopped = true; } })
        .catch(function () {})
        .then(function () { if (!stopped) { setTimeout(tick, ms); } });
    }
    tick();
  }

  var doctor = document.getElementById("doctor");
  if (doctor && doctor.dataset.src) {
    var manual = document.getElementById("manual");
    poll(doctor.dataset.src, "text/html", 3000, 10000,
      function () { return !manual || manual.open; },
      function (html) { doctor.innerHTML = html; });
  }

  var status = document.getElementById("status");
  if (status && status.dataset.src) {
    poll(status.dataset.src, "application/json", 3000, 30000, function () { return true; }, function (s) {
      var label = document.getElementById("status-label");
      label.textContent = s.label;
      label.setAttribute("data-status", s.status);
      document.getElementById("status-dns").textContent = s.dns;
      document.getElementById("status-ssl").textContent = s.ssl;
      var reason = document.getElementById("status-reason");
      reason.textContent = s.reason || "";
      reason.classList.toggle("hidden", !s.reason);
      document.getElementById("status-reason-label").classList.toggle("hidden", !s.reason);
      var heading = document.getElementById("done-heading");
      if (heading && s.heading && heading.textContent !== s.heading) { heading.textContent = s.heading; }
      var message = document.getElementById("done-message");
      if (message && s.message && message.textContent !== s.message) { message.textContent = s.message; }
      return !s.final;
    });
  }
})();
