// The border officer's console: a keyboard-wedge reader types each line of the MRZ and
// presses Enter; when the lines typed make a whole MRZ (TD1: 3 lines of 30, TD2: 2 of 36,
// TD3: 2 of 44) the Enter sends the form. Without this script the Check button does it.
//
// The check is sent in the background and the page's main part replaced by the answer's:
// the same page the server draws for a plain form, without a new document to build, style
// and lay out (issue 13's budget: Enter to the decision drawn, p95 under 300 ms). The old
// decision goes at once, so that no one reads the last traveller's while the next is checked.
// Anything but a page of the console (a session that ended, a failure) is followed as a
// plain form would be.
(function () {
  "use strict";
  var shapes = ["30,30,30", "36,36", "44,44"];
  var announcer = null;

  function complete(text) {
    var lines = text.split(/\r?\n/).map(function (l) { return l.replace(/ /g, ""); })
      .filter(function (l) { return l.length > 0; });
    return shapes.indexOf(lines.map(function (l) { return l.length; }).join(",")) >= 0;
  }

  function announce(main) {
    // a screen reader hears the decision (or the error) as a new page would have read it
    if (!announcer) {
      announcer = document.createElement("div");
      announcer.className = "visually-hidden";
      announcer.setAttribute("aria-live", "polite");
      document.body.appendChild(announcer);
    }
    var said = main.querySelector("#decision-word, #error-summary h2, .error-summary__title");
    var who = main.querySelector("#traveller");
    announcer.textContent = [said, who].filter(Boolean).map(function (e) {
      return e.textContent.trim();
    }).join(". ");
  }

  function show(html) {
    var answer = new DOMParser().parseFromString(html, "text/html");
    var main = answer.getElementById("main");
    var old = document.getElementById("main");
    if (!main || !old || !answer.getElementById("check-form")) { return false; }
    old.replaceWith(document.adoptNode(main));
    document.title = answer.title;
    var focus = main.querySelector("[autofocus]");
    if (focus) { focus.focus(); }
    announce(main);
    start();
    return true;
  }

  function start() {
    var field = document.querySelector("textarea[data-autosubmit]");
    if (!field || !field.form) { return; }
    var form = field.form;
    var sent = false;
    field.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && complete(field.value)) {
        event.preventDefault();
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
    });
    if (!window.fetch || !window.DOMParser || !window.URLSearchParams) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sent) { return; }
      sent = true;
      var body = new URLSearchParams(new FormData(form));
      var stale = document.getElementById("decision");
      if (stale) { stale.remove(); }
      var actions = document.querySelector(".officer-actions");
      if (actions) { actions.remove(); }
      fetch(form.action, {method: "POST", body: body, credentials: "same-origin",
                          headers: {"Accept": "text/html"}})
        .then(function (response) {
          var type = response.headers.get("content-type") || "";
          if (response.redirected || type.indexOf("text/html") !== 0) {
            window.location.assign(response.url);
            return null;
          }
          return response.text();
        })
        .then(function (html) {
          if (html !== null && !show(html)) { form.submit(); }
        })
        .catch(function () { form.submit(); });
    });
  }

  start();
}());
