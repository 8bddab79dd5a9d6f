// Suggests entry titles under a search box marked data-autocomplete, as the reader types.
// The box becomes an ARIA combobox: arrows move through the suggestions, Enter opens one,
// Escape closes them. Without JavaScript the box is a plain search form.
(function () {
  "use strict";

  function setUp(input) {
    const form = input.form;
    const list = document.createElement("ul");
    const help = document.createElement("div");
    let timer = null;
    let asked = "";
    let latest = 0;
    let active = -1;

    list.id = input.id + "-suggerimenti";
    list.className = "list-group position-absolute start-0 top-100 w-100 shadow search-suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.dataset.autocompleteLabel);
    list.hidden = true;
    help.className = "visually-hidden";
    help.setAttribute("role", "status");
    form.classList.add("position-relative");
    form.append(list, help);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function close() {
      list.hidden = true;
      list.replaceChildren();
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(index) {
      options().forEach(function (option, position) {
        const chosen = position === index;
        option.setAttribute("aria-selected", chosen ? "true" : "false");
        option.classList.toggle("active", chosen);
        if (chosen) {
          input.setAttribute("aria-activedescendant", option.id);
          option.scrollIntoView({ block: "nearest" });
        }
      });
      active = index;
    }

    function show(results) {
      close();
      results.forEach(function (result, index) {
        const option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.className = "list-group-item list-group-item-action";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.url = result.url;
        option.textContent = result.title;
        // Keep the focus in the box, so that a click is not lost to the blur.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
        });
        option.addEventListener("click", function () {
          window.location.assign(result.url);
        });
        list.appendChild(option);
      });
      if (results.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      help.textContent = results.length ? input.dataset.autocompleteHelp : "";
    }

    function lookup() {
      const text = input.value.trim().slice(0, 200);
      if (text === asked) return;
      asked = text;
      if (text.length < 2) {
        close();
        return;
      }
      const mine = ++latest;
      fetch(input.dataset.autocomplete + "?q=" + encodeURIComponent(text), {
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          // Only the answer to the latest request, and only while the reader is in the box.
          if (mine === latest && document.activeElement === input) show(data.results);
        })
        .catch(function () {
          /* suggestions are a help, not a requirement */
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 250);
    });
    input.addEventListener("keydown", function (event) {
      const count = options().length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        choose((active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        choose((active - 1 + count) % count);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.assign(options()[active].dataset.url);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () {
      asked = "";
      close();
    });
  }

  document.querySelectorAll("input[data-autocomplete]").forEach(setUp);
})();
