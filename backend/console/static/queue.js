// Keeps the work queue fresh: asks for the rows fragment with the last ETag (304 = unchanged).
(function () {
  "use strict";
  var table = document.getElementById("queue");
  if (!table) { return; }
  var body = document.getElementById("queue-rows");
  var total = document.getElementById("queue-total");
  var status = document.getElementById("queue-status");
  var etag = table.dataset.etag;
  var seconds = parseInt(table.dataset.poll, 10) || 15;

  // "escalated=2,new=0,…": the count of every tab, from the same queries as the rows.
  function updateBadges(header) {
    header.split(",").forEach(function (pair) {
      var parts = pair.split("=");
      var badge = document.querySelector('[data-queue-count="' + parts[0] + '"]');
      if (!badge || parts.length !== 2) { return; }
      badge.textContent = parts[1];
      badge.classList.toggle("zero", parts[1] === "0");
    });
  }

  function refresh() {
    fetch(table.dataset.rows, { headers: { "If-None-Match": etag }, credentials: "same-origin" })
      .then(function (answer) {
        if (answer.redirected || answer.status === 401) { window.location.reload(); return null; }
        if (answer.status !== 200) { return null; }
        etag = answer.headers.get("ETag") || etag;
        total.textContent = table.dataset.totalText.replace("{n}", answer.headers.get("X-Queue-Total"));
        updateBadges(answer.headers.get("X-Queue-Counts") || "");
        return answer.text();
      })
      .then(function (html) {
        if (html === null || html === undefined) { return; }
        // keyboard users keep their place: the focused case link is focused again after the
        // rows are replaced (or, when that case left the queue, the table itself)
        var focused = body.contains(document.activeElement)
          ? document.activeElement.closest("tr[data-case-id]") : null;
        body.innerHTML = html;
        status.textContent = table.dataset.updatedText;
        if (focused) {
          var again = body.querySelector('tr[data-case-id="' + focused.dataset.caseId + '"] a');
          (again || table).focus();
        }
      })
      .catch(function () { /* offline for a moment: try again next round */ });
  }
  window.gridgovRefreshQueue = refresh;
  var now = document.getElementById("queue-refresh");
  if (now) {
    now.hidden = false;
    now.addEventListener("click", refresh);
  }
  window.setInterval(refresh, seconds * 1000);
})();
