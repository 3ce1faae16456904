/* edupact's own behaviour. The Content-Security-Policy allows no inline script and no inline
   event handler (onchange=…), so every page behaviour lives here, bound by data attributes
   through delegation (it keeps working on content htmx swaps in). Every page works without
   it: the menu is open, the year form's button goes through the server. */

// <form data-navigate="/evaluation/cycle/7/0/"> with a <select name="year"> and a button: the
// button opens that address with the chosen year in place of the "/0/" segment (the year menu
// of the cycle pages). Choosing an option alone never navigates (WCAG 3.2.2, on input).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-navigate]");
  if (form) {
    event.preventDefault();
    const value = encodeURIComponent(form.elements.year.value);
    window.location.assign(form.dataset.navigate.replace("/0/", `/${value}/`));
  }
});

// The phone menu: <button data-menu-toggle aria-controls="…" aria-expanded="false"> shows and
// hides the navigation it controls. The page is sent with the menu open (usable without this
// script); the script closes it where the button is shown, i.e. on a narrow screen.
function setMenu(button, open) {
  button.setAttribute("aria-expanded", open ? "true" : "false");
  document.getElementById(button.getAttribute("aria-controls")).classList.toggle("closed", !open);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-menu-toggle]");
  if (button) {
    setMenu(button, button.getAttribute("aria-expanded") !== "true");
    return;
  }
  // A link of the error summary moves the focus into its field, not only the scroll.
  const link = event.target.closest("[data-error-summary] a[href^='#']");
  if (link) {
    const field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus();
    }
  }
});

document.addEventListener("keydown", (event) => {
  // Escape closes the open phone menu and gives the focus back to its button.
  const button = document.querySelector("[data-menu-toggle][aria-expanded='true']");
  if (event.key === "Escape" && button && button.offsetParent !== null) {
    setMenu(button, false);
    button.focus();
  }
});

function ready() {
  for (const button of document.querySelectorAll("[data-menu-toggle]")) {
    // offsetParent is null while the button is hidden (a wide screen): the menu stays open.
    if (button.offsetParent !== null) setMenu(button, false);
  }
  // A failed form: its error summary takes the focus, so the first thing read is what to fix.
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", ready);
} else {
  ready();
}

// Live search: when htmx swaps new results in, their count ([data-result-count], written by
// includes/pagination.html) is copied into the page's status region (#live-status,
// role=status), which screen readers announce (WCAG 4.1.3) without reading the whole table.
document.addEventListener("htmx:afterSettle", (event) => {
  const count = event.detail.target && event.detail.target.querySelector("[data-result-count]");
  const status = document.getElementById("live-status");
  if (count && status) {
    status.textContent = "";
    window.setTimeout(() => { status.textContent = count.textContent.trim(); }, 50);
  }
});

// Tables on a phone: each body cell gets its column's heading as data-label, which the
// stylesheet shows beside the value when a narrow screen lays every row out as a card, so
// that no column (a loan's status, the remaining debt, "đạt") is off screen. A table marked
// data-phone="scroll" (a month-by-member grid) keeps its columns and scrolls instead.
function labelCells(root) {
  for (const table of root.querySelectorAll(".table-wrap table:not([data-phone='scroll'])")) {
    const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) continue;
    const names = [];
    for (const th of head.cells) {
      for (let i = 0; i < th.colSpan; i += 1) names.push(th.textContent.trim());
    }
    table.classList.add("cards");
    // A table wider than its box scrolls: the keyboard must reach it too (WCAG 2.1.1).
    const wrap = table.closest(".table-wrap");
    if (wrap.scrollWidth > wrap.clientWidth && !wrap.hasAttribute("tabindex")) {
      wrap.setAttribute("tabindex", "0");
    }
    for (const body of [...table.tBodies, table.tFoot].filter(Boolean)) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          if (cell.colSpan === 1 && names[column]) cell.dataset.label = names[column];
          column += cell.colSpan;
        }
      }
    }
  }
}

document.addEventListener("DOMContentLoaded", () => labelCells(document));
if (document.readyState !== "loading") labelCells(document);
document.addEventListener("htmx:afterSettle", (event) => labelCells(event.detail.target || document));
