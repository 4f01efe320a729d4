// Enhances the ward picker (templates/accounts/ward_picker.html) without changing
// what the form posts: choosing a province fills the ward list at once, and typing
// in the search box lists matching wards (current or pre-2025 names, no accents
// needed). Without JavaScript the same works through the form's buttons.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var picker = document.querySelector("[data-ward-picker]");
  if (!picker || !window.fetch) return;
  var url = picker.getAttribute("data-lookup-url");
  var province = picker.querySelector("select[name=province]");
  var choices = picker.querySelector("[data-ward-choices]");
  var query = picker.querySelector("input[name=ward_query]");
  var timer = null;

  function el(tag, text) { var node = document.createElement(tag); if (text) node.textContent = text; return node; }

  function showSelect(wards) {
    // Back from search results (if any) to the province's list.
    var list = choices.querySelector("ul.choices");
    if (list) list.parentNode.removeChild(list);
    var select = choices.querySelector("select");
    if (!select) {
      // The page came with search results instead of a list: let the server
      // redraw the list, exactly as the no-JavaScript button does.
      var form = picker.closest("form"), action = document.createElement("input");
      action.type = "hidden"; action.name = "action"; action.value = "pick_province";
      form.appendChild(action); form.submit();
      return;
    }
    select.name = "ward"; select.disabled = false;
    while (select.options.length > 1) select.remove(1);
    wards.forEach(function (w) { select.add(new Option(w.name, w.id)); });
  }

  function showResults(wards) {
    var list = choices.querySelector("ul.choices");
    if (!list) {
      list = el("ul"); list.className = "choices";
      var select = choices.querySelector("select[name=ward]");
      if (select) { select.removeAttribute("name"); select.disabled = true; }
      choices.insertBefore(list, choices.firstChild);
    }
    list.textContent = "";
    wards.forEach(function (w) {
      var item = el("li"), label = el("label"), radio = el("input");
      radio.type = "radio"; radio.name = "ward"; radio.value = w.id; radio.required = true;
      label.appendChild(radio);
      var text = " " + w.name + ", " + w.province + (w.former ? " — " + picker.getAttribute("data-former-label") + ": " + w.former : "");
      label.appendChild(document.createTextNode(text));
      item.appendChild(label); list.appendChild(item);
    });
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
        fetch(url + "?q=" + encodeURIComponent(q))
          .then(function (r) { return r.json(); })
          .then(function (data) { showResults(data.wards || []); });
      }, 250);
    });
    query.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
  }
})();
