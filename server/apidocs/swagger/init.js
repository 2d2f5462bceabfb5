// wagate's Swagger UI set-up. The API needs a key: open the page as
// /swagger?x-api-key=KEY and it is sent as X-Api-Key on the spec fetch and on every
// "Try it out" request, and shown as authorized in the Authorize dialog.
window.addEventListener("load", function () {
  "use strict";
  var key = new URLSearchParams(window.location.search).get("x-api-key") || "";

  function hasKeyHeader(headers) {
    return Object.keys(headers).some(function (h) {
      return h.toLowerCase() === "x-api-key";
    });
  }

  var ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayOperationId: true,
    requestInterceptor: function (req) {
      req.headers = req.headers || {};
      if (key && !hasKeyHeader(req.headers)) {
        req.headers["X-Api-Key"] = key;
      }
      return req;
    },
    onComplete: function () {
      if (key) {
        ui.preauthorizeApiKey("apiKey", key);
      }
    },
  });
  window.ui = ui;
});
