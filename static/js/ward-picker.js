// Enhances the ward picker (templates/accounts/ward_picker.html) without changing
// what the form posts: choosing a province fills the ward list at once, and typing
// in the search box lists matching wards (current or pre-2025 names, no accents
// needed) right under the box, announced to screen readers ("Tìm thấy N xã/phường").
// Without JavaScript the same works through the form's buttons.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var picker = document.querySelector("[data-ward-picker]");
  if (!picker || !window.fetch) return;
  var url = picker.getAttribute("data-lookup-url");
  var province = picker.querySelector("select[name=province]");
  var choices = picker.querySelector("[data-ward-choices]");
  var results = picker.querySelector("[data-ward-results]");
  var status = picker.querySelector("[data-ward-status]");
  var query = picker.querySelector("input[name=ward_query]");
  var timer = null;

  function text(name) { return picker.getAttribute(name) || ""; }
  function el(tag, content) { var node = document.createElement(tag); if (content) node.textContent = content; return node; }

  function clearResults() {
    Array.prototype.forEach.call(results.querySelectorAll("h2, ul, p.error"), function (node) {
      node.parentNode.removeChild(node);
    });
  }

  function showSelect(wards) {
    var select = choices.querySelector("select");
    if (!select) {
      // The page came with search results instead of a list: let the server
      // redraw the list, exactly as the no-JavaScript button does.
      var form = picker.closest("form"), action = document.createElement("input");
      action.type = "hidden"; action.name = "action"; action.value = "pick_province";
      form.appendChild(action);
      // getAttribute, not form.action: the buttons named "action" shadow that property.
      form.setAttribute("action", (form.getAttribute("action") || "").split("#")[0] + "#ward");
      form.submit();
      return;
    }
    clearResults();
    status.textContent = "";
    select.name = "ward"; select.disabled = false;
    while (select.options.length > 1) select.remove(1);
    // The empty choice now asks for a ward, no longer for a province.
    select.options[0].textContent = text(wards.length ? "data-pick-label" : "data-province-first-label");
    wards.forEach(function (w) { select.add(new Option(w.name, w.id)); });
  }

  function showResults(wards) {
    clearResults();
    var select = choices.querySelector("select");
    if (!wards.length) {
      status.textContent = text("data-none-label");
      if (select) { select.name = "ward"; select.disabled = false; }
      return;
    }
    // The radios below now carry the ward; the list above steps aside.
    if (select) { select.removeAttribute("name"); select.disabled = true; }
    status.textContent = text("data-found-label").replace("__N__", String(wards.length));
    var heading = el("h2", text("data-results-heading"));
    heading.className = "results-heading"; heading.id = "ward-results-label";
    var list = el("ul"); list.className = "choices";
    list.setAttribute("aria-labelledby", "ward-results-label");
    wards.forEach(function (w) {
      var item = el("li"), label = el("label"), radio = el("input");
      radio.type = "radio"; radio.name = "ward"; radio.value = w.id; radio.required = true;
      label.appendChild(radio);
      var line = " " + w.name + ", " + w.province + (w.former ? " — " + text("data-former-label") + ": " + w.former : "");
      label.appendChild(document.createTextNode(line));
      item.appendChild(label); list.appendChild(item);
    });
    results.appendChild(heading);
    results.appendChild(list);
  }

  if (province) {
    province.addEventListener("change", function () {
      if (!province.value) return showSelect([]);
      fetch(url + "?province=" + encodeURIComponent(province.value))
        .then(function (r) { return r.json(); })
        .then(function (data) { showSelect(data.wards || []); });
    });
  }
  if (query) {
    query.addEventListener("input", function () {
      clearTimeout(timer);
      var q = query.value.trim();
      if (q.length < 2) return;
      timer = setTimeout(function () {
        var chosen = province && province.value ? "&province=" + encodeURIComponent(province.value) : "";
        fetch(url + "?q=" + encodeURIComponent(q) + chosen)
          .then(function (r) { return r.json(); })
          .then(function (data) { showResults(data.wards || []); });
      }, 250);
    });
    query.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
  }
})();
