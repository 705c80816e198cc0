/* Starts ReDoc without an inline script (templates/api_docs/redoc.html). */
(function () {
  "use strict";
  var nonce = document.currentScript.nonce;
  var container = document.getElementById("redoc-container");
  var settings = JSON.parse(container.dataset.settings);
  settings.nonce = nonce;
  Redoc.init(container.dataset.schemaUrl, settings, container);
})();
