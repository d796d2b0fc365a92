// The cash forecast page: draws the charts with vega-embed (the locally served Vega bundle),
// again after each what-if (the HTMX swap of #scenario-result), and filters the client lists.
const options = JSON.parse(document.getElementById("chart-options").textContent);

function draw(root) {
  for (const element of root.querySelectorAll("[data-chart]")) {
    const source = document.getElementById(element.dataset.chart);
    if (!source) continue;
    element.removeAttribute("data-rendered");
    window
      .vegaEmbed(element, JSON.parse(source.textContent), options)
      .then(() => element.setAttribute("data-rendered", "true"))
      .catch((error) => {
        element.textContent = element.dataset.error || "";
        console.error(error);
      });
  }
}

draw(document);
document.body.addEventListener("htmx:afterSwap", (event) => draw(event.detail.target));

// "Find a client": hide the options of every client list that do not match what is typed.
const filter = document.querySelector("[data-client-filter]");
if (filter) {
  filter.addEventListener("input", () => {
    const text = filter.value.trim().toLowerCase();
    for (const option of filter.form.querySelectorAll("select option")) {
      if (!option.value) continue;
      const match = !text || option.textContent.toLowerCase().includes(text);
      option.hidden = !match;
      option.disabled = !match && !option.selected;
    }
  });
}

// "+ another client": show the next hidden row of the list the button sits in.
for (const button of document.querySelectorAll("[data-more-rows]")) {
  button.addEventListener("click", () => {
    const hidden = button.parentElement.querySelector(".scenario-more:not(.shown):not([data-filled])");
    if (hidden) hidden.classList.add("shown");
    if (!button.parentElement.querySelector(".scenario-more:not(.shown):not([data-filled])")) {
      button.hidden = true;
    }
  });
}
