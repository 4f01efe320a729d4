// "In phiếu": the browser's print dialog (a script file, as the Content-Security-Policy
// forbids inline handlers). Without JavaScript the browser's own Print command does the same.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
