// Starts YASGUI (vendor/yasgui/) on this server's own SPARQL endpoint and wires the example
// list. Nothing may be fetched from outside our origin, so of YASGUI's defaults:
// - the "property" and "class" autocompleters, which ask a public vocabulary service (LOV) on
//   every keystroke, are turned off;
// - the "prefixes" autocompleter offers our own prefixes from the page, never prefix.cc;
// - the endpoint list holds only our endpoint instead of DBpedia's and Wikidata's.
// YASGUI's CORS proxy and share-link shortener are off by default and stay so; its styles use
// no web fonts, and its icons are inline SVG.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("query-page-config").textContent);
  const endpoint = new URL(config.endpoint, window.location.href).href;
  const Yasqe = Yasgui.Yasqe;

  Yasqe.registerAutocompleter(
    {
      ...Yasqe.Autocompleters.prefixes,
      get: Object.entries(config.prefixes).map(([prefix, ns]) => `${prefix}: <${ns}>`),
    },
    false,
  );
  Yasqe.defaults.autocompleters = ["variables", "prefixes"];

  // Our endpoint answers errors as RFC 9457 problem documents: show their title and detail
  // rather than the raw JSON. Anything else falls through to YASR's own error display.
  function renderProblem(error) {
    let problem;
    try {
      problem = JSON.parse(error.text);
    } catch {
      return undefined;
    }
    if (!problem || typeof problem.title !== "string") return undefined;
    const box = document.createElement("div");
    box.className = "problem";
    const title = document.createElement("strong");
    title.textContent = problem.status ? `${problem.title} (${problem.status})` : problem.title;
    box.append(title);
    if (problem.detail) {
      const detail = document.createElement("p");
      detail.textContent = problem.detail;
      box.append(detail);
    }
    return box;
  }
  Yasgui.Yasr.defaults.errorRenderers = [renderProblem];

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    persistenceId: "hsvo-sparql",
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
    yasqe: { value: config.starter },
    yasr: { prefixes: config.prefixes },
  });

  const examples = new Map(config.examples.map((example) => [example.name, example]));
  const buttons = document.querySelectorAll("button.example");

  // Load a named query into the open tab, named after the query, ready to run.
  function load(button) {
    const example = examples.get(button.dataset.example);
    const tab = yasgui.getTab();
    tab.setQuery(example.query);
    tab.setName(example.name);
    buttons.forEach((other) => other.setAttribute("aria-pressed", String(other === button)));
    tab.getYasqe().focus();
  }

  buttons.forEach((button) => {
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => load(button));
  });
})();
