// Find a time: offer the device's time zone in the zone picker.
// Progressive enhancement: without this script the picker works as typed.
(function () {
  "use strict";
  var form = document.getElementById("zone-form");
  if (!form || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var input = document.getElementById("zone-picker");
  if (!zone || !input || input.value === zone) {
    return;
  }
  var button = document.createElement("button");
  button.type = "submit";
  button.className = "secondary";
  button.textContent = "Show times in my device's zone (" + zone + ")";
  button.addEventListener("click", function () {
    input.value = zone;
  });
  form.appendChild(button);
})();
