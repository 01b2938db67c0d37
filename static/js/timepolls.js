// Find a time, progressive enhancement: without this script both still work
// (the zone picker as typed, "Add another time" as a submit the server answers).
(function () {
  "use strict";

  // The poll page: offer the device's time zone in the zone picker.
  function offerDeviceZone() {
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
    // The button's words come from the form, in the page's language.
    var words = form.getAttribute("data-device-zone") || "Show times in my device's zone ({zone})";
    button.textContent = words.replace("{zone}", zone);
    button.addEventListener("click", function () {
      input.value = zone;
    });
    form.appendChild(button);
  }

  // The new-poll page: "Add another time" adds a row at once, copied from the
  // empty row in <template id="time-row-template"> (Django's formset prefix
  // __prefix__ becomes the row's index, __number__ its number).
  function addRowsInPlace() {
    var button = document.getElementById("add-time-row");
    var rows = document.getElementById("time-rows");
    var template = document.getElementById("time-row-template");
    var total = document.querySelector("input[name='time-TOTAL_FORMS']");
    if (!button || !rows || !template || !total || !template.content) {
      return;
    }
    var max = parseInt(rows.getAttribute("data-max"), 10);
    var attributes = ["id", "name", "for", "aria-describedby"];

    function fill(node, index) {
      attributes.forEach(function (name) {
        var value = node.getAttribute(name);
        if (value) {
          node.setAttribute(name, value.replace(/__prefix__/g, String(index)));
        }
      });
    }

    button.addEventListener("click", function (event) {
      var index = parseInt(total.value, 10);
      if (isNaN(index) || index >= max) {
        return; // let the server say how many rows a poll can have
      }
      event.preventDefault();
      var row = template.content.cloneNode(true);
      row.querySelectorAll("*").forEach(function (node) {
        fill(node, index);
      });
      var legend = row.querySelector("legend");
      legend.textContent = legend.textContent.replace("__number__", String(index + 1));
      rows.appendChild(row);
      total.value = String(index + 1);
      var date = document.getElementById("id_time-" + index + "-date");
      if (date) {
        date.focus();
      }
    });
  }

  offerDeviceZone();
  addRowsInPlace();
})();
