/* Recovery codes: copy them to the clipboard, or print just the codes.
 *
 * Download (.txt) is a plain link and works without script; Copy and Print need it, so
 * they stay hidden until this runs.
 */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var status = document.querySelector("[data-recovery-status]");
    var codes = document.querySelectorAll("[data-recovery-code]");
    var copy = document.querySelector("[data-recovery=copy]");
    var print = document.querySelector("[data-recovery=print]");
    var list = [];
    for (var i = 0; i < codes.length; i++) { list.push(codes[i].textContent.trim()); }

    if (copy && navigator.clipboard && window.isSecureContext) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(list.join("\n") + "\n").then(function () {
          status.textContent = copy.getAttribute("data-copied");
        }, function () {
          status.textContent = copy.getAttribute("data-refused");
        });
      });
    }
    if (print) {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
  });
}());
