// The activity feed, live: new events from /activite/flux (Server-Sent Events) are added at the top of the list
// and read out politely by screen readers. Without JavaScript the page is a plain list (reload to see more).
(function () {
  "use strict";
  var list = document.getElementById("activite-liste");
  var announcer = document.getElementById("activite-annonces");
  if (!list || !list.dataset.stream || !window.EventSource) { return; }
  var when = new Intl.DateTimeFormat("fr-FR", {
    day: "numeric", month: "long", year: "numeric", hour: "numeric", minute: "2-digit", timeZone: "Europe/Paris"
  });

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function render(item) {
    var li = element("li", "hub-card");
    li.id = "evenement-" + item.id;
    var head = element("p", "fr-text--sm fr-mb-1v");
    head.appendChild(element("span", "fr-badge fr-badge--sm fr-badge--info fr-badge--no-icon", item.kind_label));
    head.appendChild(document.createTextNode(" "));
    var time = element("time", "", when.format(new Date(item.created_at)).replace(":", " h "));
    time.setAttribute("datetime", item.created_at);
    head.appendChild(time);
    li.appendChild(head);
    var title = element("h2", "fr-h6 fr-mb-1v");
    if (item.url) {
      var link = element("a", "", item.title);
      link.href = item.url;
      title.appendChild(link);
    } else {
      title.textContent = item.title;
    }
    li.appendChild(title);
    var places = [item.region, item.departement].filter(Boolean).map(function (t) { return t.name; });
    if (places.length) { li.appendChild(element("p", "fr-text--sm fr-mb-1v", places.join(" · "))); }
    if (item.sectors.length) {
      var tags = element("ul", "fr-tags-group");
      item.sectors.forEach(function (sector) {
        var tag = element("li");
        tag.appendChild(element("p", "fr-tag fr-tag--sm", sector.label));
        tags.appendChild(tag);
      });
      li.appendChild(tags);
    }
    return li;
  }

  var source = new EventSource(list.dataset.stream);
  source.onmessage = function (message) {
    var item;
    try { item = JSON.parse(message.data); } catch (error) { return; }
    if (document.getElementById("evenement-" + item.id)) { return; }
    var empty = document.getElementById("activite-vide");
    if (empty) { empty.remove(); }
    list.insertBefore(render(item), list.firstChild);
    if (announcer) {
      var line = element("p", "", item.kind_label + " : " + item.title);
      announcer.appendChild(line);
      while (announcer.childNodes.length > 5) { announcer.removeChild(announcer.firstChild); }
    }
  };
})();
