// Cards of the forecast app on other pages (the overview, the client card) load after the
// page, so the page itself never waits for the cash forecast: [data-lazy-src] gets the HTML
// of its address. Loaded once however many cards include it (a module runs once).
for (const element of document.querySelectorAll("[data-lazy-src]")) {
  fetch(element.dataset.lazySrc, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
    // A redirect is the login page of an expired session: not a card.
    .then((response) =>
      response.ok && !response.redirected ? response.text() : Promise.reject(response.status),
    )
    .then((html) => {
      element.innerHTML = html;
      element.setAttribute("data-loaded", "true");
    })
    .catch(() => element.setAttribute("data-loaded", "failed"));
}
