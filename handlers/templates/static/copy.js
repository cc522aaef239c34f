// linkgate pages (registration and console): copy buttons. A button with
// data-copy="text" copies the text and says so. The pages work without it.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "absolute";
    ta.style.left = "-9999px";
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(ta); }
    return Promise.resolve();
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-copy]");
    if (!b) { return; }
    var label = b.textContent;
    copyText(b.getAttribute("data-copy")).then(function () {
      b.textContent = "Copied";
      setTimeout(function () { b.textContent = label; }, 1500);
    }, function () { b.textContent = "Select and copy"; });
  });
})();
