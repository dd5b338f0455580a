// errbook serve: live reload and the diagnostics overlay. Only `errbook serve` adds this
// script to pages; the published site never contains it.
(function () {
  "use strict";
  var me = document.currentScript;
  var generation = me ? Number(me.getAttribute("data-generation")) : -1;
  var OVERLAY_ID = "errbook-live-overlay";

  function hide() {
    var old = document.getElementById(OVERLAY_ID);
    if (old) old.parentNode.removeChild(old);
  }

  // Diagnostics are text: built with textContent, never parsed as HTML.
  function show(errors) {
    hide();
    var box = document.createElement("div");
    box.id = OVERLAY_ID;
    box.setAttribute("role", "alert");
    box.style.cssText =
      "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
      "background:rgba(20,20,20,.92);color:#f4f4f4;font:14px/1.5 ui-monospace,monospace";
    var head = document.createElement("h2");
    head.style.cssText = "margin:0 0 1rem;color:#ff8a80;font:bold 18px/1.3 system-ui,sans-serif";
    head.textContent = "errbook: the last edit did not build (" + errors.message + ")";
    box.appendChild(head);
    var note = document.createElement("p");
    note.style.cssText = "margin:0 0 1rem;color:#bbb;font-family:system-ui,sans-serif";
    note.textContent = "The page below is the last good build. Fix the file and save: this page reloads.";
    box.appendChild(note);
    (errors.diagnostics || []).forEach(function (d) {
      var item = document.createElement("pre");
      item.style.cssText = "margin:0 0 .75rem;white-space:pre-wrap;border-left:3px solid " +
        (d.severity === "error" ? "#ff5252" : "#ffd740") + ";padding-left:.75rem";
      item.textContent = d.location + ": " + d.severity + "[" + d.name + "]: " + d.message +
        (d.hint ? "\n  = help: " + d.hint : "");
      box.appendChild(item);
    });
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", "Hide");
    close.style.cssText = "position:absolute;top:1rem;right:1rem;font-size:20px;background:none;color:#fff;border:0;cursor:pointer";
    close.onclick = hide;
    box.appendChild(close);
    document.body.appendChild(box);
  }

  if (!window.EventSource) return;
  var events = new EventSource("/__errbook/events");
  events.addEventListener("hello", function (e) {
    var d = JSON.parse(e.data);
    // A rebuild happened while this page loaded (or the server restarted).
    if (d.generation !== generation) { location.reload(); return; }
    if (d.errors) show(d.errors); else hide();
  });
  events.addEventListener("reload", function () { location.reload(); });
  // Pages updated after the edit's own (the locale's home and code index): reload only
  // if this is one of them.
  events.addEventListener("changed", function (e) {
    var here = decodeURIComponent(location.pathname).replace(/^\//, "");
    if (here === "" || /\/$/.test(here)) here += "index.html";
    if (JSON.parse(e.data).pages.indexOf(here) >= 0) location.reload();
  });
  events.addEventListener("errors", function (e) { show(JSON.parse(e.data)); });
})();
