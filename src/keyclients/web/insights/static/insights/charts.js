// Draws every [data-chart] element with vega-embed (from the locally served Vega bundle).
// Specs and options come from json_script tags, so the page needs no inline script.
const options = JSON.parse(document.getElementById("chart-options").textContent);

for (const element of document.querySelectorAll("[data-chart]")) {
  const spec = JSON.parse(document.getElementById(element.dataset.chart).textContent);
  window
    .vegaEmbed(element, spec, options)
    .then(() => element.setAttribute("data-rendered", "true"))
    .catch((error) => {
      element.textContent = element.dataset.error || "";
      console.error(error);
    });
}

// Picking a month for a custom period selects "custom" in the period list.
for (const input of document.querySelectorAll(".period-form input[type=month]")) {
  input.addEventListener("change", () => {
    const select = input.form.querySelector("select[name=period]");
    if (select) select.value = "custom";
  });
}
