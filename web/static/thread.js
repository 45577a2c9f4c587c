// A handoff's thread, live: lines come in as server-sent events (web/thread.py).
// The browser reconnects by itself and sends the last line's id; a line already on
// the page is never added twice. Text is set as text, never as HTML.
(function () {
  "use strict";
  var list = document.querySelector("ol.thread");
  if (!list || typeof EventSource === "undefined") return;
  var source = new EventSource(list.dataset.events + "?after=" + list.dataset.last);
  var part = function (tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    node.textContent = text;
    return node;
  };
  source.addEventListener("line", function (message) {
    var line = JSON.parse(message.data);
    if (document.getElementById("line-" + line.id)) return;
    var item = document.createElement("li");
    item.id = "line-" + line.id;
    item.className = line.author + (line.flagged ? " flagged" : "");
    item.appendChild(part("time", "", line.time));
    item.appendChild(document.createTextNode(" "));
    if (line.who) {
      item.appendChild(part("span", "who", line.who));
      item.appendChild(document.createTextNode(" "));
    }
    item.appendChild(part("span", "text", line.text));
    if (line.flagged) {
      item.appendChild(document.createTextNode(" "));
      item.appendChild(part("strong", "flag", line.flagged));
    }
    list.appendChild(item);
  });
})();
