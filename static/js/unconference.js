// Progressive enhancement for the session list: each interest choice is saved
// as soon as it is clicked. Without this script the one form and its "Save my
// interests" button do the same job. What it says comes from the status line's
// data- attributes, in the page's language.
(function () {
  "use strict";

  function enhance(form) {
    var status = form.querySelector("[data-autosave-status]");
    var hint = form.querySelector("[data-autosave-hint]");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!status || !token || !window.fetch) {
      return;
    }
    if (hint) {
      hint.hidden = false;
    }
    form.addEventListener("change", function (event) {
      var input = event.target;
      if (input.type !== "radio") {
        return;
      }
      var legend = input.closest("fieldset").querySelector("legend");
      var what = legend ? legend.dataset.title || legend.textContent : "";
      var says = status.dataset;
      var body = new FormData();
      body.append(input.name, input.value);
      status.textContent = says.saving || "Saving…";
      fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token.value, Accept: "application/json" },
      })
        .then(function (response) {
          return response.json().then(function (data) {
            if (!response.ok) {
              throw new Error(data.error || says.notSaved || "The choice was not saved.");
            }
            status.textContent = (says.saved || "Saved: “{title}”.").replace("{title}", what);
          });
        })
        .catch(function (error) {
          status.textContent =
            (error && error.message ? error.message : says.notSaved || "The choice was not saved.") +
            " " + (says.useButton || "Use the “Save my interests” button.");
        });
    });
  }

  document.querySelectorAll("form[data-autosave]").forEach(enhance);
})();
