/* The dashboard's sales charts (apps/dashboard/callbacks.py) show amounts in their currency
   and the page's language: on the y-axis through the browser's Intl.NumberFormat, in the
   tooltip as the server formatted them. Chart options arrive as JSON, which cannot hold these
   functions, and the CSP allows no inline script; so this Chart.js plugin, registered before
   unfold draws its charts on "load", adds them to the charts whose options name a currency
   under plugins.nexusMoney and leaves every other chart alone. */
(function () {
  "use strict";

  Chart.register({
    id: "nexusMoney",
    beforeInit: function (chart, args, options) {
      if (!options.currency) {
        return;
      }
      var axis = new Intl.NumberFormat(options.locale, {
        style: "currency",
        currency: options.currency,
        minimumFractionDigits: 0,
        maximumFractionDigits: 0,
      });
      var config = chart.config.options;
      config.scales.y.ticks.callback = function (value) {
        return axis.format(value);
      };
      config.plugins.tooltip.callbacks = {
        label: function (item) {
          return item.dataset.amounts[item.dataIndex];
        },
      };
    },
  });
})();
