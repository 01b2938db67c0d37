// Event page: a "Copy link" button next to the share link.
// Progressive enhancement: without this file (or without a clipboard) the
// button stays hidden and the plain link is there to copy by hand.
(function () {
  "use strict";

  function setUp(button) {
    if (!navigator.clipboard || !window.isSecureContext) return;
    var status = button.parentElement.querySelector("[role=status]");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(
        // The page says both in its own language (data-copied, data-copy-failed).
        function () { if (status) status.textContent = button.dataset.copied || "Link copied."; },
        function () { if (status) status.textContent = button.dataset.copyFailed || "Copying failed: select the link and copy it."; }
      );
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(setUp);
  });
})();
