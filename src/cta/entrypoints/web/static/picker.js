// Country pickers: typing a name into a focused <select data-picker> chooses the first option
// whose name starts with what was typed, comparing as the server does (cta.domain.countries
// name_key): case folded, ё as е. Russian writes ё optionally and the shipped names use both,
// so the browser's own type-ahead chose "Соединенные штаты Малых Удаленных островов" for
// someone typing "Соединенные" to find "Соединённые штаты". Without this script the select
// works as any select does.
(function () {
  "use strict";
  var PAUSE = 1000;  // ms without a key after which typing starts a new name
  function key(text) {
    return text.toLowerCase().replace(/ё/g, "е").replace(/\s+/g, " ").replace(/^ /, "");
  }
  function attach(select) {
    var typed = "", last = 0;
    select.addEventListener("keydown", function (event) {
      if (event.key.length !== 1 || event.ctrlKey || event.altKey || event.metaKey) { return; }
      var now = Date.now();
      typed = (now - last > PAUSE ? "" : typed) + event.key;
      last = now;
      if (typed === " ") { typed = ""; return; }  // a space alone opens the list, as before
      var wanted = key(typed);
      for (var i = 0; i < select.options.length; i += 1) {
        if (select.options[i].value && key(select.options[i].text).indexOf(wanted) === 0) {
          event.preventDefault();
          if (select.selectedIndex !== i) {
            select.selectedIndex = i;
            select.dispatchEvent(new Event("change", { bubbles: true }));
          }
          return;
        }
      }
      event.preventDefault();  // no such name: keep the choice rather than jump elsewhere
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("select[data-picker]"), attach);
}());
