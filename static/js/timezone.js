// Sign-up: fill the time zone field with the browser's zone.
// Progressive enhancement: without this file the field is typed by hand
// (empty means UTC). A value the person typed is never overwritten.
(function () {
  "use strict";

  function detected() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function fill(input) {
    if (input.value && input.value !== "UTC") return;
    var zone = detected();
    var list = input.list;
    if (!zone || !list) return;
    for (var i = 0; i < list.options.length; i++) {
      if (list.options[i].value === zone) {
        input.value = zone;
        return;
      }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-detect-timezone]").forEach(fill);
  });
})();
