/* The store switcher (templates/dashboard/store_switcher.html) loads this with `defer`, so its
   form is already parsed: choosing a store switches at once. The "Switch" button stays in the
   markup for browsers without JavaScript and is hidden only here, where nothing needs it. */
(function () {
  "use strict";

  var form = document.getElementById("store-switcher");
  form.querySelectorAll("[type=submit]").forEach(function (button) {
    button.hidden = true;
  });
  form.addEventListener("change", function () {
    form.submit();
  });
})();
