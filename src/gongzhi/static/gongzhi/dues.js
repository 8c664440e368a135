// The dues ledger: one box ticks (or clears) every member row that can still be paid.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.querySelector("[data-tick-all]");
  if (!all) return;
  const boxes = () => document.querySelectorAll('input[type="checkbox"][name="members"]');
  all.addEventListener("change", () => {
    boxes().forEach((box) => { box.checked = all.checked; });
  });
});
