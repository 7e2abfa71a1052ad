// A form that asks first (Delete): nothing is sent unless the person confirms.
document.addEventListener("submit", e => {
  const ask = e.target.dataset.confirm;
  if (ask && !confirm(ask)) e.preventDefault();
});
