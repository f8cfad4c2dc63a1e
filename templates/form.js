// The web form's one script: while the sheet is being made it says so, then saves the PDF under
// the name the server gives it. Without JavaScript the form posts as usual and the browser saves
// the download itself; an answer that needs attention comes back as the form with its messages.
// Answers that seldom go together (the assessment's consistency_warnings) are shown as a note
// beside the button while the sheet is made; they never stop it (the sheet prints them too).
(function () {
  "use strict";
  var form = document.getElementById("form-start");
  var status = document.getElementById("sheet-status");
  if (!form || !status || !window.fetch || !window.URL || !window.URLSearchParams) {
    return;
  }
  var button = form.querySelector("button[type=submit]");

  function save(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
  }

  function busy(on) {
    button.disabled = on;
    if (on) {
      form.setAttribute("aria-busy", "true");
    } else {
      form.removeAttribute("aria-busy");
    }
  }

  var notes = document.getElementById("answer-notes");

  function showNotes(body) {
    if (!notes) {
      return;
    }
    fetch("assess", {method: "POST", body: body, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (assessment) {
        var warnings = assessment.consistency_warnings || [];
        var list = notes.querySelector("ul");
        list.textContent = "";
        warnings.forEach(function (warning) {
          var item = document.createElement("li");
          item.textContent = warning.text;
          list.appendChild(item);
        });
        notes.hidden = warnings.length === 0;
      })
      .catch(function () { notes.hidden = true; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    showNotes(new URLSearchParams(new FormData(form)));
    status.hidden = false;
    status.className = "sheet-status waiting";
    status.textContent = "Making your sheet. This takes a few seconds.";
    busy(true);
    fetch(form.action, {method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin"})
      .then(function (response) {
        var type = response.headers.get("content-type") || "";
        if (!response.ok || type.indexOf("application/pdf") !== 0) {
          throw new Error("not a sheet");
        }
        var found = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
        return response.blob().then(function (blob) {
          save(blob, found ? found[1] : "ms-options-visit-sheet.pdf");
          status.className = "sheet-status ready";
          status.textContent = "Your sheet is ready. Your browser saved it as " + (found ? found[1] : "a PDF") + ".";
          busy(false);
        });
      })
      .catch(function () {
        status.hidden = true;
        busy(false);
        form.submit();  // the server's own answer: the form with its messages, or a plain error page
      });
  });
})();
