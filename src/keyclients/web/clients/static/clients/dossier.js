// The dossier's forms answer a refused post with 422: show it in the panel like a 200
// (htmx leaves 4xx responses unswapped by default).
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
