// Live tail for the event page: subscribes to the topic's Server-Sent Events
// stream and lists events as they arrive. The rest of the catalog needs no
// JavaScript.
(function () {
  "use strict";
  var box = document.getElementById("tail");
  if (!box || !window.EventSource) { return; }
  var list = box.querySelector(".tail-events");
  var status = box.querySelector(".tail-status");
  var src = new EventSource(box.getAttribute("data-stream") + "?from=latest");
  var seen = 0;
  status.textContent = "Connecting…";
  src.onopen = function () { status.textContent = "Listening for new events…"; };
  src.onerror = function () { status.textContent = "Stream unavailable; retrying…"; };
  function show(e) {
    var text = e.data, head = e.lastEventId ? "#" + e.lastEventId : "";
    try {
      var v = JSON.parse(e.data);
      if (v && typeof v === "object") {
        if (v.offset !== undefined) { head = "#" + v.offset; }
        text = JSON.stringify(v.value !== undefined ? v.value : v);
      }
    } catch (ignored) { /* not JSON: show as text */ }
    var li = document.createElement("li");
    li.className = "tail-event";
    var h = document.createElement("span");
    h.className = "tail-head";
    h.textContent = head + " " + new Date().toLocaleTimeString();
    var c = document.createElement("code");
    c.textContent = text.length > 600 ? text.slice(0, 599) + "…" : text;
    li.appendChild(h);
    li.appendChild(c);
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 50) { list.removeChild(list.lastChild); }
    seen++;
    status.textContent = seen + (seen === 1 ? " event" : " events") + " received.";
  }
  src.onmessage = show;
  src.addEventListener("event", show);
})();
