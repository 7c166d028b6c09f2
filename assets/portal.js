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
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(el.getAttribute("data-copy")).then(function () {
        button.textContent = el.getAttribute("data-copied-label") || "Copied";
      });
    });
    el.insertAdjacentElement("afterend", button);
  });
})();
