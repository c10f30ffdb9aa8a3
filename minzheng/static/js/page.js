/* Behaviour that used to sit in inline attributes (onclick, onchange), which the Content-Security-Policy
   forbids: [data-print] prints the page, [data-submit-on-change] submits its form when it changes. */
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
document.addEventListener("change", function (event) {
  var field = event.target.closest("[data-submit-on-change]");
  if (field && field.form) { field.form.submit(); }
});
