// While the operator types, list published entries that may already answer the question.
(function () {
  const form = document.querySelector("form[action$='/quesiti/nuovo/']");
  const box = document.getElementById("suggerimenti-live");
  if (!form || !box) return;
  const list = box.querySelector("ul");
  const title = form.querySelector("[name=title]");
  const body = form.querySelector("[name=body]");
  let timer = null;
  let last = "";

  function show(results) {
    list.replaceChildren();
    results.forEach(function (hit) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = hit.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = hit.title;
      item.appendChild(link);
      list.appendChild(item);
    });
    box.hidden = results.length === 0;
  }

  function lookup() {
    const text = (title.value + " " + body.value).trim();
    if (text.length < 12 || text === last) return;
    last = text;
    fetch("/api/similar/?text=" + encodeURIComponent(text.slice(0, 2000)))
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { show(data.results); })
      .catch(function () { /* suggestions are a help, not a requirement */ });
  }

  [title, body].forEach(function (field) {
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 400);
    });
  });
})();
