// The border officer's console: a keyboard-wedge reader types each line of the MRZ and
// presses Enter; when the lines typed make a whole MRZ (TD1: 3 lines of 30, TD2: 2 of 36,
// TD3: 2 of 44) the Enter sends the form. Without this script the Check button does it.
(function () {
  "use strict";
  var shapes = ["30,30,30", "36,36", "44,44"];
  function complete(text) {
    var lines = text.split(/\r?\n/).map(function (l) { return l.replace(/ /g, ""); })
      .filter(function (l) { return l.length > 0; });
    return shapes.indexOf(lines.map(function (l) { return l.length; }).join(",")) >= 0;
  }
  var field = document.querySelector("textarea[data-autosubmit]");
  if (!field || !field.form) { return; }
  field.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && complete(field.value)) {
      event.preventDefault();
      if (field.form.requestSubmit) { field.form.requestSubmit(); } else { field.form.submit(); }
    }
  });
}());
