/* Report downloads: fetch the PDF or CSV with the CSRF header and save it, without a reload.
 *
 * The seeds' "generate PDF" button answered "401 — Missing CSRF token" because its request
 * carried the cookies but not the header. Here every request sends X-CSRF-TOKEN (the
 * csrf_access_token cookie, readable by this script by design), the server refuses a report
 * without it, and an access token that expired while the page stood open is renewed once
 * (POST to the refresh path with csrf_refresh_token) before the request is retried.
 */
(function () {
  "use strict";
  // Words in the page's language (layout.html: <body data-i18n='{…}'>), English as a fallback.
  function say(key, fallback, values) {
    var table = {};
    try {
      table = JSON.parse((typeof document !== "undefined" && document.body &&
        document.body.getAttribute("data-i18n")) || "{}");
    } catch (e) {
      table = {};
    }
    var text = table[key] || fallback;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(values[name]);
    });
    return text;
  }


  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) { return decodeURIComponent(parts[i].slice(eq + 1)); }
    }
    return "";
  }

  function request(url) {
    return window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRF-TOKEN": cookie("csrf_access_token"),
        "Accept": "application/pdf, text/csv, application/json"
      }
    });
  }

  function renew() {
    return window.fetch(document.body.getAttribute("data-refresh-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-TOKEN": cookie("csrf_refresh_token"), "Accept": "application/json" }
    });
  }

  function filename(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var found = /filename="([^"]+)"/.exec(header);
    return found ? found[1] : fallback;
  }

  function save(blob, name) {
    var url = window.URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    window.setTimeout(function () { window.URL.revokeObjectURL(url); link.remove(); }, 10000);
  }

  function failure(response) {
    return response.json().then(function (body) {
      return say("report_failed", "The report could not be made (%(reason)s).",
        { reason: (body && body.code) || response.status });
    }, function () {
      return say("report_failed", "The report could not be made (%(reason)s).",
        { reason: "HTTP " + response.status });
    });
  }

  function download(button, status) {
    var url = button.getAttribute("data-report-url");
    var kind = button.getAttribute("data-report-kind") || "PDF";
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    status.textContent = say("report_preparing", "Preparing the %(kind)s…", { kind: kind });
    status.removeAttribute("data-state");
    request(url).then(function (response) {
      if (response.status !== 401) { return response; }
      return renew().then(function (renewed) { return renewed.ok ? request(url) : response; });
    }).then(function (response) {
      if (!response.ok) {
        return failure(response).then(function (message) {
          status.textContent = message;
          status.setAttribute("data-state", "error");
        });
      }
      return response.blob().then(function (blob) {
        var name = filename(response, kind === "CSV" ? "munjigi-report.csv" : "munjigi-report.pdf");
        save(blob, name);
        status.textContent = say("report_done", "Downloaded %(name)s.", { name: name });
        status.setAttribute("data-state", "done");
      });
    }).catch(function () {
      status.textContent = say("report_offline", "The report could not be downloaded: the server did not answer.");
      status.setAttribute("data-state", "error");
    }).then(function () {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".report-download") : null;
    if (!button) { return; }
    event.preventDefault();
    var scope = button.closest(".report__actions") || document;
    var status = scope.querySelector("[data-role=report-status]") || document.createElement("p");
    download(button, status);
  });
}());
