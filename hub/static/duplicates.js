// While a project's title and summary are typed, show the catalogue's likely duplicates (JSON endpoint).
// Without JavaScript the same check runs on submit and the form shows the same list.
(function () {
  "use strict";
  var panel = document.getElementById("doublons");
  if (!panel || !window.fetch) { return; }
  var form = panel.closest("form");
  var title = document.getElementById("title");
  var summary = document.getElementById("summary");
  var timer = null;
  var last = "";

  function field(name) {
    var element = form.elements.namedItem(name);
    return element && element.value ? element.value : "";
  }

  function render(candidates) {
    panel.textContent = "";
    if (!candidates.length) { return; }
    var box = document.createElement("div");
    box.className = "fr-alert fr-alert--warning";
    var heading = document.createElement("h2");
    heading.className = "fr-alert__title";
    heading.textContent = "Ce projet existe peut-être déjà";
    var intro = document.createElement("p");
    intro.textContent = "Vérifiez ces projets du catalogue. S’il s’agit du même projet, rejoignez-le plutôt ; sinon, vous pourrez confirmer qu’il est différent en enregistrant.";
    var list = document.createElement("ul");
    candidates.forEach(function (c) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = c.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.title = c.title + " — nouvelle fenêtre";
      link.textContent = c.title;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" — ressemblance " + Math.round(c.score * 100) + " % (" + c.reasons.join(", ") + ")"));
      list.appendChild(item);
    });
    box.appendChild(heading);
    box.appendChild(intro);
    box.appendChild(list);
    panel.appendChild(box);
  }

  function check() {
    var params = new URLSearchParams({
      title: title.value.trim(),
      summary: summary ? summary.value.trim() : "",
      carrier_id: field("carrier_id"),
      region: field("region"),
      departement: field("departement")
    });
    if (panel.dataset.projectId) { params.set("project_id", panel.dataset.projectId); }
    var query = params.toString();
    if (params.get("title").length < 8 || query === last) { return; }
    last = query;
    fetch(panel.dataset.checkUrl + "?" + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { candidates: [] }; })
      .then(function (data) { render(data.candidates); })
      .catch(function () { /* the check runs again on submit */ });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, 500);
  }

  [title, summary].forEach(function (element) { if (element) { element.addEventListener("input", later); } });
})();
