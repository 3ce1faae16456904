/* edupact's own behaviour. The Content-Security-Policy allows no inline script and no inline
   event handler (onchange=…), so every page behaviour lives here, bound by data attributes
   through delegation (it keeps working on content htmx swaps in). */

// <select data-navigate="/evaluation/cycle/7/0/">: choosing an option opens that address with
// the chosen value in place of the "/0/" segment (the year selector of the cycle pages).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-navigate]");
  if (select) {
    const value = encodeURIComponent(select.value);
    window.location.assign(select.dataset.navigate.replace("/0/", `/${value}/`));
  }
});
