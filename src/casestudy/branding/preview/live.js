// casestudy preview: injected into the preview's responses only, never into a built page.
// Follows the preview's state through server-sent events: shows the newer page when one
// is rendered (in place, or by reloading when the brand or series changed), lists the
// check's errors over the last good page, and in the PDF view shows the newest PDF once
// it is built.
(function () {
  "use strict";
  var me = document.getElementById("casestudy-preview");
  var page = JSON.parse(me.getAttribute("data-state"));
  var pdfView = document.body.classList.contains("cs-pdf-view");
  var shownPdf = -1;
  var overlay = null;
  var SCROLL = "casestudy-preview-scroll";

  // a reload for a newer page keeps the reader where they were
  var kept = sessionStorage.getItem(SCROLL);
  if (kept !== null) {
    sessionStorage.removeItem(SCROLL);
    var at = JSON.parse(kept);
    window.addEventListener("load", function () { window.scrollTo(at[0], at[1]); });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var bar = el("nav", "cs-bar");
  bar.setAttribute("aria-label", "Preview");
  var web = el("a", pdfView ? "" : "cs-here", "Web");
  web.href = "/" + page.slug + "/";
  var pdf = el("a", pdfView ? "cs-here" : "", "PDF");
  pdf.href = "/_preview/pdf";
  var status = el("span", "cs-status", "connecting…");
  status.setAttribute("role", "status");
  bar.append(el("strong", "", "Preview"), web, pdf, status);
  document.body.append(bar);

  function showProblems(problems) {
    if (!problems.length) {
      if (overlay) { overlay.remove(); overlay = null; }
      return;
    }
    if (!overlay) {
      overlay = el("section", "cs-overlay");
      overlay.setAttribute("role", "alert");
      overlay.setAttribute("aria-label", "Check errors");
      document.body.append(overlay);
    }
    var box = el("div", "cs-box");
    box.append(el("h2", "", problems.length === 1 ? "1 error" : problems.length + " errors"),
               el("p", "", page.version > 0 ? "Fix it and save: the page behind shows the last version without errors."
                                           : "Fix it and save: the page appears once the study has no errors."));
    var list = el("ul", "cs-problems");
    problems.forEach(function (line) { list.append(el("li", "", line)); });
    box.append(list);
    overlay.replaceChildren(box);
  }

  function showPdf(state) {
    var frame = document.getElementById("cs-pdf");
    if (state.pdf_version > 0 && state.pdf_version !== shownPdf) {
      shownPdf = state.pdf_version;
      frame.src = "/" + page.slug + "/" + page.slug + ".pdf?v=" + state.pdf_version;
    }
  }

  function reload() {
    sessionStorage.setItem(SCROLL, JSON.stringify([window.scrollX, window.scrollY]));
    location.reload();
  }

  // A newer page of the same study: its body replaces this one's in place (the styles
  // and fonts stay loaded, the reader stays where they were). Anything unexpected: reload.
  var swapping = false;
  function swap() {
    if (swapping) return;
    swapping = true;
    fetch(location.pathname, {cache: "no-store"}).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var next = doc.getElementById("casestudy-preview");
      if (!next) throw new Error("not a preview page");
      var ours = [bar, overlay];
      Array.prototype.slice.call(document.body.childNodes).forEach(function (node) {
        if (ours.indexOf(node) < 0 && node !== me && node.id !== "casestudy-preview-style") {
          node.remove();
        }
      });
      Array.prototype.slice.call(doc.body.childNodes).forEach(function (node) {
        if (node.id !== "casestudy-preview" && node.id !== "casestudy-preview-style") {
          document.body.insertBefore(document.adoptNode(node), bar);
        }
      });
      document.title = doc.title;
      document.body.className = doc.body.className;
      page.version = JSON.parse(next.getAttribute("data-state")).version;
      document.documentElement.setAttribute("data-preview-version", String(page.version));
      swapping = false;
      if (latest && latest.version !== page.version) follow(latest);
    }).catch(function () { reload(); });
  }

  var latest = null;
  function follow(state) {
    latest = state;
    if (!pdfView && state.version !== page.version) {
      if (state.full) reload(); else swap();
    }
  }

  var source = new EventSource("/_preview/events");
  source.onmessage = function (event) {
    var state = JSON.parse(event.data);
    follow(state);
    if (pdfView) showPdf(state);
    showProblems(state.problems);
    status.textContent = state.pdf;
  };
  source.onerror = function () {
    status.textContent = "not connected: is casestudy preview still running?";
  };
})();
