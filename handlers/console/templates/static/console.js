// linkgate console: copy buttons, the live preview of a new domain, the
// live domain status and the DNS check. Every page works without it.
(function () {
  "use strict";

  // Copy buttons: shared/copy.js.

  // Add a domain: preview the host and the record as they are typed.
  var preview = document.getElementById("preview");
  if (preview) {
    var domain = document.getElementById("domain");
    var sub = document.getElementById("subdomain");
    var purpose = document.getElementById("purpose");
    var update = function () {
      var opt = purpose && purpose.options[purpose.selectedIndex];
      var target = opt ? opt.dataset.target : preview.dataset.target;
      var d = domain.value.trim().toLowerCase().replace(/\.$/, "");
      var s = sub.value.trim().toLowerCase();
      var host = d ? (s ? s + "." + d : d) : (s ? s + ".…" : "…");
      var name = s || (d.indexOf(".") > 0 ? d.split(".")[0] : "…");
      document.getElementById("preview-host").textContent = host;
      document.getElementById("preview-record").textContent =
        "CNAME " + name + " → " + (target || "(no target: this server does not set LINKGATE_TRACKING_CNAME_TARGET)") +
        " (TTL " + preview.dataset.ttl + ")";
    };
    domain.addEventListener("input", update);
    sub.addEventListener("input", update);
    if (purpose) { purpose.addEventListener("change", update); }
    update();
  }

  // Poll url every ms milliseconds (growing to maxMs); fn gets the
  // response and returns false to stop.
  function poll(url, accept, ms, maxMs, fn) {
    var stopped = false;
    function tick() {
      if (stopped) { return; }
      if (document.hidden) { setTimeout(tick, ms); return; }
      ms = Math.min(maxMs, Math.round(ms * 1.2));
      fetch(url, { headers: { "Accept": accept }, credentials: "same-origin", cache: "no-store", redirect: "error" })
        .then(function (r) {
          if (!r.ok) { stopped = r.status === 401 || r.status === 404; return null; }
          return accept === "application/json" ? r.json() : r.text();
        })
        .then(function (body) { if (body !== null && fn(body) === false) { stopped = true; } })
        .catch(function () {})
        .then(function () { if (!stopped) { setTimeout(tick, ms); } });
    }
    setTimeout(tick, ms);
  }

  // A domain's page: poll the status JSON; when the domain's version
  // moves on, fetch the page's changing parts (status card, failure and
  // remedies, next step's form, timeline) rendered by the server and swap
  // them in. A form being filled in is not swapped away: the swap waits.
  var live = document.getElementById("live");
  var doctorPolling = false;
  function pollDoctor() {
    var doctor = document.getElementById("doctor");
    if (doctorPolling || !doctor || !doctor.dataset.src) { return; }
    doctorPolling = true;
    poll(doctor.dataset.src, "text/html", 3000, 15000, function (html) {
      var el = document.getElementById("doctor");
      if (!el) { doctorPolling = false; return false; }
      el.innerHTML = html;
    });
  }
  if (live && live.dataset.statusSrc && live.dataset.src && window.DOMParser) {
    var busy = function () {
      var a = document.activeElement;
      if (!a || !live.contains(a) || !a.form) { return false; }
      return Array.prototype.some.call(a.form.elements, function (el) {
        return (el.type === "text" || el.type === "password" || el.type === "email" || el.tagName === "TEXTAREA") && el.value !== "";
      });
    };
    var swapping = false;
    poll(live.dataset.statusSrc, "application/json", 1500, 15000, function (s) {
      // The waiting step's reason changes without a new version.
      var reason = document.getElementById("status-reason");
      if (reason && reason.textContent !== (s.reason || "")) {
        reason.textContent = s.reason || "";
        reason.classList.toggle("hidden", !s.reason);
      }
      if (s.version === Number(live.dataset.version) || swapping || busy()) { return; }
      swapping = true;
      fetch(live.dataset.src, { headers: { "Accept": "text/html" }, credentials: "same-origin", cache: "no-store", redirect: "error" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          var doc = new DOMParser().parseFromString(html, "text/html");
          var parts = [["live", "live"], ["timeline-list", "timeline-list"]];
          parts.forEach(function (p) {
            var from = doc.getElementById(p[0]), to = document.getElementById(p[1]);
            if (from && to) { to.innerHTML = from.innerHTML; }
          });
          live.dataset.version = String(s.version);
          pollDoctor();
        })
        .catch(function () {})
        .then(function () { swapping = false; });
    });
  }
  pollDoctor();
})();

// Domains page: "select all" and the count of ticked domains (the bulk
// form works without it).
(function () {
  "use strict";
  var form = document.getElementById("bulk");
  if (!form) {
    return;
  }
  var all = document.getElementById("select-all");
  var count = document.getElementById("bulk-count");
  var boxes = function () { return form.querySelectorAll('input[name="domain_ids"]'); };
  var update = function () {
    var n = 0;
    boxes().forEach(function (b) { if (b.checked) { n++; } });
    count.textContent = n ? "(" + n + " ticked)" : "";
  };
  if (all) {
    all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
      update();
    });
  }
  form.addEventListener("change", update);
  update();
})();

// Live campaigns: each "campaign" event of the page's stream updates its
// row (or adds one for a campaign that has not ended). Without the
// script, the table is as the page was loaded.
(function () {
  "use strict";
  var table = document.getElementById("live-campaigns");
  if (!table || !table.dataset.events || !window.EventSource) {
    return;
  }
  var ended = (table.dataset.ended || "").split(" ");
  var labels = {};
  try { labels = JSON.parse(table.dataset.labels || "{}"); } catch (e) { labels = {}; }
  var body = table.tBodies[0];
  var state = document.getElementById("live-state");
  var setText = function (el, text) { if (el && el.textContent !== text) { el.textContent = text; } };
  var cell = function (tag, field, cls) {
    var el = document.createElement(tag);
    el.setAttribute("data-field", field);
    if (cls) { el.className = cls; }
    return el;
  };
  var newRow = function (c) {
    var tr = document.createElement("tr");
    tr.id = "campaign-" + c.id;
    tr.setAttribute("data-id", c.id);
    tr.appendChild(cell("td", "name"));
    var td = document.createElement("td");
    var badge = cell("span", "status", "badge");
    badge.setAttribute("data-kind", "campaign");
    td.appendChild(badge);
    tr.appendChild(td);
    tr.appendChild(cell("td", "sent", "num"));
    tr.appendChild(cell("td", "delivered", "num"));
    tr.appendChild(cell("td", "clicks", "num"));
    body.insertBefore(tr, body.firstChild);
    document.getElementById("live-empty").classList.add("hidden");
    return tr;
  };
  var es = new EventSource(table.dataset.events, { withCredentials: true });
  es.addEventListener("open", function () { setText(state, "Updating live."); });
  es.addEventListener("error", function () { setText(state, "Reconnecting…"); });
  es.addEventListener("campaign", function (ev) {
    var c;
    try { c = JSON.parse(ev.data); } catch (e) { return; }
    var tr = document.getElementById("campaign-" + c.id);
    if (!tr) {
      if (ended.indexOf(c.status) >= 0) { return; }
      tr = newRow(c);
    }
    var field = function (name) { return tr.querySelector('[data-field="' + name + '"]'); };
    setText(field("name"), c.name);
    var badge = field("status");
    badge.setAttribute("data-value", c.status);
    setText(badge, labels[c.status] || c.status);
    setText(field("sent"), String(c.sent));
    setText(field("delivered"), String(c.delivered));
    setText(field("clicks"), String(c.clicks));
  });
})();

// Campaign message step: a live count of characters and SMS segments
// (GSM-7: 160, or 153 a segment when split; UCS-2: 70, or 67), as the
// server counts them for the campaign page.
(function () {
  "use strict";
  var basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var ext = "^{}\\[~]|€\f";
  var count = function (text) {
    var units = 0, gsm = true, chars = Array.from(text);
    chars.forEach(function (ch) {
      if (basic.indexOf(ch) >= 0) { units++; } else if (ext.indexOf(ch) >= 0) { units += 2; } else { gsm = false; }
    });
    if (!gsm) {
      units = 0;
      chars.forEach(function (ch) { units += ch.codePointAt(0) > 0xFFFF ? 2 : 1; });
      return { enc: "UCS-2", n: chars.length, seg: units === 0 ? 0 : units <= 70 ? 1 : Math.ceil(units / 67) };
    }
    return { enc: "GSM-7", n: chars.length, seg: units === 0 ? 0 : units <= 160 ? 1 : Math.ceil(units / 153) };
  };
  document.querySelectorAll("textarea[data-segments]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-segments"));
    if (!out) {
      return;
    }
    var update = function () {
      var c = count(area.value);
      out.textContent = c.n ? c.n + " characters, " + c.enc + ", " + c.seg + " segment" + (c.seg === 1 ? "" : "s") : "";
    };
    area.addEventListener("input", update);
    update();
  });
})();

// Client page, link tracking: as the sample message is typed or the
// settings change, the server rewrites it with the form's settings
// (nothing is saved) and the preview shows it with its length and
// segments. Without the script the Preview button does the same.
(function () {
  "use strict";
  var form = document.getElementById("tracking-form");
  if (!form || !form.dataset.preview || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var body = document.getElementById("tracking-preview-body");
  var count = document.getElementById("tracking-preview-count");
  var problem = document.getElementById("tracking-preview-error");
  var sample = document.getElementById("tracking-sample");
  var setText = function (el, text) { if (el.textContent !== text) { el.textContent = text; } };
  var asked = 0, timer = 0;
  var show = function (p) {
    var failed = !!p.error || p.body === undefined;
    setText(body, failed ? "" : p.body);
    setText(count, failed ? "" : p.summary);
    setText(problem, failed ? (p.error || p.detail || "The preview is not available.") : "");
    body.classList.toggle("hidden", failed);
    problem.classList.toggle("hidden", !failed);
  };
  var ask = function () {
    if (!sample.value) {
      show({ body: "", summary: "Type a message to see it here." });
      body.classList.add("hidden");
      return;
    }
    var n = ++asked;
    fetch(form.dataset.preview, { method: "POST", body: new URLSearchParams(new FormData(form)),
      headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store", redirect: "error" })
      .then(function (r) { return r.json(); })
      .then(function (p) { if (n === asked) { show(p); } })
      .catch(function () { if (n === asked) { show({ error: "The preview is not available right now." }); } });
  };
  var later = function () { clearTimeout(timer); timer = setTimeout(ask, 200); };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  if (sample.value) { ask(); }
})();

// Campaign step 1: Twilio's link shortening and linkgate's link tracking
// exclude each other, so choosing one clears the other (tracking "Off"
// is the select's first option). Without the script the server says so.
(function () {
  "use strict";
  var ls = document.getElementById("campaign-ls");
  var tracking = document.getElementById("campaign-tracking");
  if (!ls || !tracking) {
    return;
  }
  tracking.addEventListener("change", function () { if (tracking.selectedIndex > 0) { ls.checked = false; } });
  ls.addEventListener("change", function () { if (ls.checked) { tracking.selectedIndex = 0; } });
})();

// Issue 17 part C: phone widths. A table's cells without a data-label get
// their column's heading, which the narrow stylesheet shows above them
// (the tables are stacked cards there); not under a heading that is a
// control (select all).
(function () {
  "use strict";
  var tables = document.querySelectorAll("table");
  for (var i = 0; i < tables.length; i++) {
    var heads = tables[i].querySelectorAll("thead th");
    if (!heads.length) {
      continue;
    }
    var rows = tables[i].querySelectorAll("tbody > tr");
    for (var r = 0; r < rows.length; r++) {
      var cells = rows[r].children;
      for (var c = 0; c < cells.length && c < heads.length; c++) {
        if (!cells[c].hasAttribute("data-label") && !cells[c].classList.contains("actions") && !heads[c].querySelector("input")) {
          cells[c].setAttribute("data-label", heads[c].textContent.trim());
        }
      }
    }
  }
})();
