/* Behaviour that used to sit in inline attributes (onclick, onchange), which the Content-Security-Policy
   forbids: [data-print] prints the page, [data-submit-on-change] submits its form when it changes. */
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
document.addEventListener("change", function (event) {
  var field = event.target.closest("[data-submit-on-change]");
  if (field && field.form) { field.form.submit(); }
});

/* A form refused by the server answers 422 with the form and its messages: htmx swaps it in like a 200 and
   does not report it as an error (htmx 2 would otherwise drop the response and log a console error). */
if (window.htmx) {
  htmx.config.responseHandling = [
    {code: "204", swap: false},
    {code: "[23]..", swap: true},
    {code: "422", swap: true, error: false},
    {code: "[45]..", swap: false, error: true},
    {code: "...", swap: false}
  ];
}
