// The broadcast composer's live figures: recipients for the audience and, for SMS, the encoding
// and segments per message and in all, asked of the server (one implementation of the count).
(function () {
  "use strict";
  var form = document.getElementById("composer");
  var out = document.getElementById("preview");
  if (!form || !out) return;
  var timer = null;
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }
  function show(data) {
    out.textContent = "";
    if (data.error) { var e = document.createElement("p"); e.className = "error"; e.textContent = data.error; out.appendChild(e); return; }
    var p = document.createElement("p");
    p.textContent = fill(out.dataset.tRecipients, { n: data.recipients });
    out.appendChild(p);
    data.sms.forEach(function (cost) {
      var line = document.createElement("p");
      line.textContent = fill(out.dataset.tSms, cost);
      if (cost.ucs2_because) line.textContent += " " + fill(out.dataset.tUcs2, { char: cost.ucs2_because });
      if (cost.over_budget) { line.className = "warn"; line.textContent += " " + fill(out.dataset.tBudget, { budget: data.budget }); }
      out.appendChild(line);
    });
    if (data.sms.length) {
      var total = document.createElement("p");
      total.textContent = fill(out.dataset.tTotal, { total: data.sms_segments });
      out.appendChild(total);
    }
  }
  function ask() {
    var params = new URLSearchParams();
    ["text_fr", "text_en", "segment"].forEach(function (name) { params.set(name, form.elements[name].value); });
    fetch(form.dataset.preview + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.json(); }).then(show).catch(function () {});
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 250); });
  ask();
})();
