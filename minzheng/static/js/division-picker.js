/* Division picker (issue 14 §4).
 *
 * Turns <input data-division-picker="entry|village|any" data-search-url="…"> (a 12-digit division code
 * input) into a search by name within the user's jurisdiction: the code input stays in the form, hidden,
 * and still posts the code; a search box takes its place (and its id, so labels and the error summary's
 * links still reach it). Without JavaScript the code input is used as it is.
 */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function init(input) {
    if (input.dataset.pickerReady) return;
    input.dataset.pickerReady = "1";
    var url = input.dataset.searchUrl;
    var kind = input.dataset.divisionPicker || "entry";
    var withinFrom = input.dataset.withinFrom ? document.getElementById(input.dataset.withinFrom) : null;

    var wrap = document.createElement("div");
    wrap.className = "division-picker position-relative";
    var search = document.createElement("input");
    search.type = "text";
    search.autocomplete = "off";
    search.className = input.className;
    search.placeholder = "输入名称（如“锡林南路”）或代码查找";
    search.id = input.id;
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-autocomplete", "list");
    search.setAttribute("aria-expanded", "false");
    if (input.getAttribute("aria-describedby")) search.setAttribute("aria-describedby", input.getAttribute("aria-describedby"));
    if (input.getAttribute("aria-invalid")) search.setAttribute("aria-invalid", input.getAttribute("aria-invalid"));
    var menu = document.createElement("div");
    menu.className = "dropdown-menu w-100";
    menu.id = input.id + "_options";
    menu.setAttribute("role", "listbox");
    menu.style.maxHeight = "20rem";
    menu.style.overflowY = "auto";
    search.setAttribute("aria-controls", menu.id);
    input.id = input.id + "_code";
    input.type = "hidden";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(search);
    wrap.appendChild(menu);
    wrap.appendChild(input);

    var chosenPath = null;
    var active = -1;
    var seq = 0;

    function items() { return menu.querySelectorAll("[data-code]"); }

    function open(flag) {
      menu.classList.toggle("show", flag);
      search.setAttribute("aria-expanded", flag ? "true" : "false");
      if (!flag) active = -1;
    }

    function highlight(index) {
      var list = items();
      if (!list.length) return;
      active = (index + list.length) % list.length;
      list.forEach(function (item, i) { item.classList.toggle("active", i === active); });
      list[active].scrollIntoView({ block: "nearest" });
    }

    function choose(item) {
      input.value = item.dataset.code;
      chosenPath = item.dataset.path;
      search.value = chosenPath;
      open(false);
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function params(extra) {
      var query = new URLSearchParams(extra);
      query.set("kind", kind);
      if (withinFrom && withinFrom.value) query.set("within", withinFrom.value);
      return url + "?" + query.toString();
    }

    function render(results) {
      menu.textContent = "";
      if (!results.length) {
        var none = document.createElement("span");
        none.className = "dropdown-item-text text-secondary";
        none.textContent = "在您的管辖范围内没有匹配的区划";
        menu.appendChild(none);
      }
      results.forEach(function (option) {
        var item = document.createElement("button");
        item.type = "button";
        item.className = "dropdown-item d-flex justify-content-between gap-2";
        item.setAttribute("role", "option");
        item.dataset.code = option.code;
        item.dataset.path = option.path;
        var label = document.createElement("span");
        label.textContent = option.path;
        var code = document.createElement("span");
        code.className = "text-secondary small";
        code.textContent = option.code;
        item.appendChild(label);
        item.appendChild(code);
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(item); });
        menu.appendChild(item);
      });
      open(true);
    }

    var lookup = debounce(function (text) {
      var mine = ++seq;
      fetch(params({ q: text }), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) { if (mine === seq && document.activeElement === search) render(body.results); })
        .catch(function () { /* the typed text still posts; the form reports it */ });
    }, 200);

    search.addEventListener("input", function () {
      // Until an option is chosen the typed text is what posts: 12 digits work as before, a bare name
      // gets the form's message asking to choose from the list.
      input.value = search.value === chosenPath ? input.value : search.value.trim();
      lookup(search.value.trim());
    });
    search.addEventListener("focus", function () { if (!menu.classList.contains("show")) lookup(search.value === chosenPath ? "" : search.value.trim()); });
    search.addEventListener("blur", function () { open(false); });
    search.addEventListener("keydown", function (event) {
      var shown = menu.classList.contains("show");
      if (event.key === "ArrowDown") { event.preventDefault(); if (!shown) lookup(search.value.trim()); else highlight(active + 1); }
      else if (event.key === "ArrowUp" && shown) { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter" && shown && active >= 0) { event.preventDefault(); choose(items()[active]); }
      else if (event.key === "Escape" && shown) { event.preventDefault(); open(false); }
    });

    if (input.value) {
      fetch(params({ code: input.value }), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) {
          if (body.results.length) { chosenPath = body.results[0].path; search.value = chosenPath; }
          else { search.value = input.value; }
        })
        .catch(function () { search.value = input.value; });
    }
  }

  function initAll(root) {
    (root || document).querySelectorAll("input[data-division-picker]").forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { initAll(); });
  else initAll();
  document.addEventListener("htmx:load", function (event) { initAll(event.target); });
})();
