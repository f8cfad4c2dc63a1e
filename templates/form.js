// The web form's one script. Without it everything works by plain form posts (the server answers
// errors with the form again, every answer kept). With it:
// - every request is one request: errors come back in place (the server's own form page, its
//   <main> swapped in); the sheet page is shown in this tab as a new history entry, so Back and
//   Forward move between the form and the sheet without asking the server again;
// - "Download the PDF" and "Save my answers" save the file and say so, without leaving the page;
// - "Add another medicine" adds a block without a request;
// - the answers are kept in this page's own history entry (history.state, never sent or stored
//   elsewhere), so coming Back to the form, or reloading it, finds every answer in place;
// - on the sheet page, "Print" prints (view.css has the print layout).
// A language button is a plain post (the page comes back in that language, the answers in place).
// The words it shows are the page's own (data-* on #sheet-status, in the page's language).
(function () {
  "use strict";
  if (!window.fetch || !window.FormData || !window.URLSearchParams || !window.DOMParser || !window.history.pushState) {
    return;
  }
  var pages = {form: null, view: null};  // the two documents this tab moves between: <html> elements

  function theForm() { return document.getElementById("form-start"); }
  function status() { return document.getElementById("sheet-status"); }

  // One of the page's messages (a data-* attribute of #sheet-status), its {names} filled in.
  function words(name, values) {
    var box = status();
    var text = (box && box.getAttribute("data-" + name)) || "";
    return text.replace(/\{(\w+)\}/g, function (all, key) { return values && key in values ? values[key] : all; });
  }

  function answers() {
    var pairs = [];
    var form = theForm();
    if (form) {
      new FormData(form).forEach(function (value, name) {
        if (typeof value === "string") { pairs.push([name, value]); }
      });
    }
    return pairs;
  }

  function remember(page) {
    try {
      history.replaceState({page: page || "form", answers: answers()}, "");
    } catch (ignored) { /* a browser that refuses the state still has its own form restoration */ }
  }

  function medicines() { return theForm().querySelectorAll("fieldset.medicine"); }

  // One more "earlier medicine" block: a copy of the last one, renumbered and emptied.
  function addMedicine() {
    var rows = medicines();
    var last = rows[rows.length - 1];
    var index = rows.length;
    var row = last.cloneNode(true);
    var from = /prior_dmts([.-])[0-9]+([.-])/g;
    Array.prototype.forEach.call(row.querySelectorAll("[name], [id], [for], [aria-describedby]"), function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attribute) {
        var value = el.getAttribute(attribute);
        if (value) { el.setAttribute(attribute, value.replace(from, "prior_dmts$1" + index + "$2")); }
      });
      if (el.tagName === "INPUT") { el.value = ""; }
      if (el.tagName === "SELECT") { el.selectedIndex = 0; }
      el.removeAttribute("aria-invalid");
      if (el.getAttribute("aria-describedby") === "") { el.removeAttribute("aria-describedby"); }
    });
    Array.prototype.forEach.call(row.querySelectorAll(".error"), function (el) { el.remove(); });
    Array.prototype.forEach.call(row.querySelectorAll("[aria-describedby]"), function (el) {
      el.removeAttribute("aria-describedby");  // it named the error just removed
    });
    row.classList.remove("has-error");
    row.querySelector("legend").textContent = words("medicine", {number: String(index + 1)});
    last.parentNode.appendChild(row);
    return row;
  }

  // Put saved answers back: enough medicine blocks first, then every control.
  function restore(saved) {
    var needed = 0;
    var byName = {};
    saved.forEach(function (pair) {
      var found = /^prior_dmts\.([0-9]+)\./.exec(pair[0]);
      if (found) { needed = Math.max(needed, Number(found[1]) + 1); }
      (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]);
    });
    while (medicines().length < Math.min(needed, 50)) { addMedicine(); }
    Array.prototype.forEach.call(theForm().elements, function (el) {
      if (!el.name || el.type === "submit" || el.type === "button" || el.type === "hidden") { return; }
      var values = byName[el.name] || [];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = values.indexOf(el.value) !== -1;
      } else {
        el.value = values.length ? values[0] : "";
      }
    });
  }

  function say(text, kind) {
    var box = status();
    if (!box) { return; }
    box.hidden = !text;
    box.className = "sheet-status " + (kind || "");
    box.textContent = text;
  }

  function busy(on) {
    var form = theForm();
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) { b.disabled = on; });
    if (on) { form.setAttribute("aria-busy", "true"); } else { form.removeAttribute("aria-busy"); }
  }

  function parse(html) { return new DOMParser().parseFromString(html, "text/html"); }

  // The server's form page with its messages: its <main> replaces ours (same answers, plus errors).
  function showErrors(html) {
    var page = parse(html);
    var fresh = page.querySelector("main");
    if (!fresh) { return false; }
    document.querySelector("main").replaceWith(document.adoptNode(fresh));
    document.title = page.title;
    remember("form");
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
    return true;
  }

  function show(root) {
    if (root && document.documentElement !== root) {
      document.replaceChild(root, document.documentElement);
    }
    var print = document.querySelector("[data-print]");
    if (print) { print.hidden = false; }
  }

  // The sheet page, shown in this tab as a new history entry (the same address: a reload shows the form).
  function showSheet(html) {
    pages.form = document.documentElement;
    remember("form");
    pages.view = document.adoptNode(parse(html).documentElement);
    show(pages.view);
    history.pushState({page: "view", answers: history.state && history.state.answers}, "");
    window.scrollTo(0, 0);
    // as after a page load: the next Tab starts at the top ("Skip to your sheet", then the buttons)
    var skip = document.querySelector(".skip-link");
    if (skip) { skip.focus({preventScroll: true}); }
  }

  function save(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
  }

  function send(form, button) {
    var action = (button && button.getAttribute("formaction")) || form.getAttribute("action");
    say(["view", "sheet", "answers"].indexOf(action) !== -1 ? words("waiting-" + action) : "", "waiting");
    busy(true);
    fetch(action, {method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin"})
      .then(function (response) {
        var type = response.headers.get("content-type") || "";
        if (response.status === 422 && type.indexOf("text/html") === 0) {
          return response.text().then(function (html) {
            busy(false);
            say("");
            if (!showErrors(html)) { throw new Error("no form"); }
          });
        }
        if (!response.ok) {
          return response.text().then(function (text) { throw new Error(text || words("no-answer")); });
        }
        if (action === "view") {
          return response.text().then(function (html) { busy(false); say(""); showSheet(html); });
        }
        var found = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
        var name = found ? found[1] : "download";
        return response.blob().then(function (blob) {
          save(blob, name);
          busy(false);
          say(words(action === "answers" ? "saved-answers" : "saved-sheet", {name: name}), "ready");
        });
      })
      .catch(function (problem) {
        busy(false);
        say(problem && problem.message ? problem.message : words("no-answer"), "failed");
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (form.id === "sheet-actions" && button && button.value === "change" && pages.form) {
      event.preventDefault();
      history.back();  // to the form, answers in place
      return;
    }
    if (form.id !== "form-start" || (button && button.hasAttribute("data-language"))) { return; }
    event.preventDefault();
    if (button && button.name === "do" && button.value === "add_medicine") {
      addMedicine().querySelector("input").focus();
      remember("form");
      return;
    }
    send(form, button);
  });

  document.addEventListener("change", function (event) {
    if (event.target.form && event.target.form.id === "form-start") { remember("form"); }
  });
  // Keep the answers at every keystroke, but at most 100 times in 10 seconds (Chrome ignores a page
  // that changes its history state more often), and once more when the typing stops.
  var window10s = 0;
  var kept = 0;
  var typing = null;
  document.addEventListener("input", function (event) {
    if (!event.target.form || event.target.form.id !== "form-start") { return; }
    var now = Date.now();
    if (now - window10s > 10000) { window10s = now; kept = 0; }
    clearTimeout(typing);
    if (kept < 100) {
      kept += 1;
      remember("form");
    } else {
      typing = setTimeout(function () { remember("form"); }, 1000);
    }
  });
  window.addEventListener("pagehide", function () {
    if (theForm()) { remember("form"); }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
  });

  window.addEventListener("popstate", function (event) {
    var page = event.state && event.state.page;
    if (page === "view" && pages.view) {
      show(pages.view);
    } else if (page === "form" && pages.form) {
      show(pages.form);
    }
  });

  var state = history.state;
  if (theForm() && state && state.answers && !document.querySelector(".error-summary")) {
    restore(state.answers);  // Back, Forward or a reload: the answers this entry had
  }
  show(null);
})();
