// Suggestions while typing in the header search box: fills the input's <datalist> from the hub's API.
// Without JavaScript the search box still works (it submits to /recherche).
(function () {
  "use strict";
  var input = document.getElementById("q-entete");
  if (!input || !window.fetch) { return; }
  var list = document.getElementById(input.getAttribute("list"));
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    var text = input.value.trim();
    clearTimeout(timer);
    if (text.length < 2 || text === last) { return; }
    timer = setTimeout(function () {
      last = text;
      fetch(input.dataset.suggestions + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          list.textContent = "";
          data.suggestions.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.title;
            list.appendChild(option);
          });
        })
        .catch(function () { list.textContent = ""; });
    }, 150);
  });
})();
