// Zoom, pan and fit for the catalog's graph drawings.
//
// Without this script a drawing sits at 1:1 in a box that scrolls, which keeps
// its labels legible. With it the box becomes a viewport onto the drawing:
// the wheel and the + and − buttons zoom, dragging and the arrow keys pan,
// "Fit" shows the whole drawing and "1:1" returns to the legible scale. Only
// the SVG's viewBox changes, so the links on the nodes keep working; a drag
// never follows the link it started on. No inline code: the page's CSP allows
// scripts from this origin only.
(function () {
  "use strict";

  var STEP = 1.25; // one zoom step
  var PAN = 0.15; // one arrow key pans this share of the view

  function button(text, label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.title = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function enhance(box) {
    var svg = box.querySelector("svg.graph");
    if (!svg || box.classList.contains("zoomable")) {
      return;
    }
    var full = svg.viewBox.baseVal;
    var W = full.width, H = full.height;
    if (!W || !H) {
      return;
    }
    var view = { x: 0, y: 0, w: W, h: H };

    box.classList.add("zoomable");
    box.tabIndex = 0;
    box.setAttribute("aria-label", "Graph: drag or use the arrow keys to pan, + and − to zoom, 0 to fit");
    // The viewport shows the drawing at 1:1 where it fits, and at most most
    // of the window's height.
    box.style.height = Math.max(240, Math.min(H + 2, Math.round(window.innerHeight * 0.7))) + "px";
    svg.setAttribute("width", "100%");
    svg.setAttribute("height", "100%");

    function size() {
      return { w: Math.max(1, box.clientWidth), h: Math.max(1, box.clientHeight) };
    }
    function apply() {
      svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(function (n) {
        return Math.round(n * 10) / 10;
      }).join(" "));
    }
    // Zoom levels stay between showing 60 units across and twice the fit.
    function limits() {
      var s = size(), fitW = Math.max(W, H * s.w / s.h);
      return { min: 60, max: fitW * 2 };
    }
    // zoomTo sets the view's width, keeping the point (px, py) of the drawing
    // where it is on the screen.
    function zoomTo(w, px, py) {
      var s = size(), l = limits();
      w = Math.min(l.max, Math.max(l.min, w));
      var h = w * s.h / s.w;
      view.x = px - (px - view.x) * w / view.w;
      view.y = py - (py - view.y) * h / view.h;
      view.w = w;
      view.h = h;
      apply();
    }
    function zoomCentre(f) {
      zoomTo(view.w / f, view.x + view.w / 2, view.y + view.h / 2);
    }
    // actual shows the drawing at 1:1, centred across (layers are centred
    // rows), from the top where it is taller than the box.
    function actual() {
      var s = size();
      view = { x: (W - s.w) / 2, y: Math.min(0, (H - s.h) / 2), w: s.w, h: s.h };
      apply();
    }
    function fit() {
      var s = size(), aspect = s.w / s.h;
      var w = Math.max(W, H * aspect), h = w / aspect;
      view = { x: (W - w) / 2, y: (H - h) / 2, w: w, h: h };
      apply();
    }
    function pan(dx, dy) {
      view.x += dx;
      view.y += dy;
      apply();
    }

    var tools = document.createElement("div");
    tools.className = "graph-tools";
    tools.appendChild(button("+", "Zoom in", function () { zoomCentre(STEP); }));
    tools.appendChild(button("−", "Zoom out", function () { zoomCentre(1 / STEP); }));
    tools.appendChild(button("Fit", "Fit the whole graph", fit));
    tools.appendChild(button("1:1", "Actual size", actual));
    var hint = document.createElement("span");
    hint.className = "graph-hint";
    hint.textContent = "wheel to zoom, drag to pan";
    tools.appendChild(hint);
    box.parentNode.insertBefore(tools, box);

    box.addEventListener("wheel", function (e) {
      e.preventDefault();
      var r = box.getBoundingClientRect(), s = size();
      var px = view.x + (e.clientX - r.left) / s.w * view.w;
      var py = view.y + (e.clientY - r.top) / s.h * view.h;
      zoomTo(view.w / (e.deltaY < 0 ? STEP : 1 / STEP), px, py);
    }, { passive: false });

    var drag = null, dragged = false;
    box.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) {
        return;
      }
      drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, id: e.pointerId };
      dragged = false;
    });
    box.addEventListener("pointermove", function (e) {
      if (!drag || e.pointerId !== drag.id) {
        return;
      }
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) {
        return;
      }
      if (!dragged) {
        dragged = true;
        box.classList.add("dragging");
        try {
          box.setPointerCapture(e.pointerId);
        } catch (err) {
          // A pointer the browser no longer tracks: pan without capture.
        }
      }
      var s = size();
      view.x = drag.vx - dx * view.w / s.w;
      view.y = drag.vy - dy * view.h / s.h;
      apply();
    });
    function end() {
      drag = null;
      box.classList.remove("dragging");
    }
    box.addEventListener("pointerup", end);
    box.addEventListener("pointercancel", end);
    // A drag that ends on a node is not a click on its link.
    box.addEventListener("click", function (e) {
      if (dragged) {
        e.preventDefault();
        e.stopPropagation();
        dragged = false;
      }
    }, true);

    box.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey) {
        return;
      }
      var handled = true;
      switch (e.key) {
        case "ArrowLeft": pan(-view.w * PAN, 0); break;
        case "ArrowRight": pan(view.w * PAN, 0); break;
        case "ArrowUp": pan(0, -view.h * PAN); break;
        case "ArrowDown": pan(0, view.h * PAN); break;
        case "+": case "=": zoomCentre(STEP); break;
        case "-": case "_": zoomCentre(1 / STEP); break;
        case "0": fit(); break;
        case "1": actual(); break;
        default: handled = false;
      }
      if (handled) {
        e.preventDefault();
      }
    });

    window.addEventListener("resize", function () {
      var s = size();
      view.h = view.w * s.h / s.w;
      apply();
    });

    // A drawing wider than its box starts fitted when that keeps it readable
    // (at least half size); otherwise at 1:1.
    var s = size();
    if (W > s.w && s.w / W >= 0.5 && H * s.w / W <= s.h) {
      fit();
    } else {
      actual();
    }
  }

  document.querySelectorAll(".graph-scroll").forEach(enhance);
})();
