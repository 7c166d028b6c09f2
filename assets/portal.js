// Progressive enhancement: a copy button beside each checksum. Without
// script the checksum is there to select by hand.
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("[data-copy]").forEach(function (el) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = el.getAttribute("data-copy-label") || "Copy";
    // The confirmation is announced by screen readers (a polite live region).
    var status = document.createElement("span");
    status.className = "copy-status visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(el.getAttribute("data-copy")).then(function () {
        var copied = el.getAttribute("data-copied-label") || "Copied";
        button.textContent = copied;
        status.textContent = copied;
      });
    });
    el.insertAdjacentElement("afterend", button);
    button.insertAdjacentElement("afterend", status);
  });
})();
