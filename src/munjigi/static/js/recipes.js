/* Recipe form: the server's cost of one meal as the member types, and more ingredient rows.
 *
 * Without this script the form still works: "Update cost" and "Add lines" are submit
 * buttons that re-render the page. The cost always comes from the server's pricing
 * (GET /recipes/price answers a fragment); this script never adds up prices itself.
 */
(function () {
  "use strict";

  function init(form) {
    var estimate = form.querySelector("[data-role=estimate]");
    var list = form.querySelector("[data-role=lines]");
    var addLine = form.querySelector("[data-role=add-line]");
    var preview = form.querySelector("[data-role=preview]");
    var url = form.getAttribute("data-price-url");
    var timer = null;
    var sent = 0;

    function query() {
      var params = new URLSearchParams();
      params.append("servings", form.elements.servings.value);
      var names = form.querySelectorAll("input[name=ingredient]");
      var quantities = form.querySelectorAll("input[name=quantity]");
      for (var i = 0; i < names.length; i++) {
        params.append("ingredient", names[i].value);
        params.append("quantity", quantities[i] ? quantities[i].value : "");
      }
      return params.toString();
    }

    function refresh() {
      var ticket = ++sent;
      estimate.setAttribute("aria-busy", "true");
      window.fetch(url + "?" + query(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          // Only the answer to the latest question is shown (answers may overtake each other).
          if (html !== null && ticket === sent) { estimate.innerHTML = html; }
        })
        .catch(function () { /* keep the last estimate; "Update cost" still works */ })
        .then(function () { if (ticket === sent) { estimate.removeAttribute("aria-busy"); } });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 250);
    }

    form.addEventListener("input", function (event) {
      var name = event.target && event.target.name;
      if (name === "servings" || name === "ingredient" || name === "quantity") { later(); }
    });

    if (preview) { preview.hidden = true; }
    if (addLine && list) {
      addLine.addEventListener("click", function (event) {
        event.preventDefault();
        var rows = list.querySelectorAll("li");
        var template = rows[rows.length - 1];
        var row = template.cloneNode(true);
        var n = rows.length + 1;
        row.className = "line";
        var error = row.querySelector(".line__error");
        if (error) { error.remove(); }
        var fields = row.querySelectorAll("input");
        for (var i = 0; i < fields.length; i++) {
          var kind = fields[i].name;
          fields[i].value = "";
          fields[i].id = "f-" + kind + "-" + n;
          fields[i].removeAttribute("aria-invalid");
          fields[i].removeAttribute("aria-describedby");
        }
        var labels = row.querySelectorAll("label");
        for (var j = 0; j < labels.length; j++) {
          var target = labels[j].getAttribute("for").replace(/-\d+$/, "-" + n);
          labels[j].setAttribute("for", target);
          if (target.indexOf("f-ingredient-") === 0) {
            labels[j].textContent = labels[j].textContent.replace(/\d+\s*$/, String(n));
          }
        }
        list.appendChild(row);
        row.querySelector("input").focus();
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-price-url]");
    for (var i = 0; i < forms.length; i++) { init(forms[i]); }
  });
})();
