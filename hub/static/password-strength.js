// While a new password is typed, say how hard it is to guess: the server's estimate (POST /api/v1/password-strength),
// the same one the form applies on submit. Without JavaScript the form refuses a weak password and says why.
(function () {
  "use strict";
  if (!window.fetch) { return; }

  function watch(group) {
    var input = group.querySelector("input.fr-password__input");
    var output = group.querySelector("[data-strength-output]");
    var meter = group.querySelector("meter");
    var form = input && input.form;
    if (!form || !output) { return; }
    var timer = null;
    var last = "";
    var sent = 0;

    function field(name) {
      var element = form.elements.namedItem(name);
      return element && element.value ? element.value : "";
    }

    function show(result) {
      var text = "Solidité du mot de passe : " + result.label + "." + (result.message ? " " + result.message : "");
      output.className = "fr-message " + (result.acceptable ? "fr-message--valid" : "fr-message--error");
      if (output.textContent !== text) { output.textContent = text; }
      output.hidden = false;
      if (meter) {
        meter.value = result.acceptable ? result.score : Math.min(result.score, 2);
        meter.hidden = false;
      }
    }

    function clear() {
      output.textContent = "";
      output.hidden = true;
      if (meter) { meter.hidden = true; }
    }

    function check() {
      if (!input.value) { last = ""; clear(); return; }
      var body = JSON.stringify({ password: input.value, email: field("email"), display_name: field("display_name") });
      if (body === last) { return; }
      last = body;
      var mine = ++sent;
      fetch(group.dataset.strengthUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": field("_csrf_token") },
        body: body
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (result) { if (result && mine === sent && input.value) { show(result); } })
        .catch(function () { /* the form still checks the password on submit */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, 500);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-strength-url]"), watch);
})();
