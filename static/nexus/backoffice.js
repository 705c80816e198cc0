/* Nexus back office: the few behaviours htmx attributes cannot express on their own.
   No inline scripts anywhere, so the pages keep working under a strict Content-Security-Policy. */
(function () {
  "use strict";

  function isTyping(element) {
    var tag = element && element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (element && element.isContentEditable);
  }

  // unfold hides the page (x-cloak) until Alpine starts, and the browser drops an autofocus
  // it cannot apply to a hidden field; apply it once the page shows, unless focus moved on.
  window.addEventListener("load", function () {
    var wanted = document.querySelector("#content [autofocus]");
    if (wanted && (document.activeElement === document.body || !document.activeElement)) {
      wanted.focus();
    }
  });

  // "/" jumps to the page's search field, the way most back offices do.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
      return;
    }
    var search = document.querySelector("[data-nexus-search]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });

  // Our views answer a refused or failed row action with the row and its message, a 4xx
  // status and HX-Retarget; htmx does not swap 4xx answers by default, so let those through.
  // Anything else (a CSRF failure page, a 500) is left alone rather than pasted into a row.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.status < 500 && xhr.getResponseHeader("HX-Retarget")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function pathOf(address) {
    return new URL(address, window.location.href).pathname;
  }

  // The sidebar is unfold's: its badge has no id, so find it by the link it sits in, which
  // the page names (data-nexus-pending-badge) because only the server knows its address.
  document.addEventListener("nexus:pending-count", function (event) {
    var count = event.detail && event.detail.value;
    var named = document.querySelector("[data-nexus-pending-badge]");
    if (typeof count !== "number" || !named) {
      return;
    }
    var target = pathOf(named.getAttribute("data-nexus-pending-badge"));
    document.querySelectorAll("#nav-sidebar-apps a[href]").forEach(function (link) {
      if (pathOf(link.href) !== target) {
        return;
      }
      var spans = link.querySelectorAll(":scope > span:not(.material-symbols-outlined)");
      if (spans.length < 2) {
        return;
      }
      var badge = spans[spans.length - 1];
      badge.textContent = String(count);
      badge.hidden = count === 0;
    });
  });

  // After a row action the server names the element that should hold the focus, so a
  // keyboard user stays where they were instead of falling back to the top of the page.
  document.addEventListener("nexus:focus", function (event) {
    var selector = event.detail && event.detail.selector;
    var target = selector && document.querySelector(selector);
    if (target) {
      target.focus();
      if (event.detail.select && typeof target.select === "function") {
        target.select();
      }
    }
  });

  // A barcode scanner types the code and presses Enter: when that submit finds exactly one
  // item, go straight to its quantity field.
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail && event.detail.requestConfig;
    var trigger = config && config.triggeringEvent;
    if (!trigger || trigger.type !== "submit" || !config.elt || !config.elt.matches("[data-nexus-scan]")) {
      return;
    }
    var next = document.querySelector("[data-nexus-autofocus]");
    if (next) {
      next.focus();
    }
  });
})();
