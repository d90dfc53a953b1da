/*
 * Munjigi passkeys: the browser half of the WebAuthn ceremonies, no library.
 *
 * Each [data-passkey] block has a button [data-passkey-action] and a status line
 * [data-passkey-status]. The server's options go through
 * PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON, the
 * credential comes back with credential.toJSON(): no base64 code of our own. Browsers
 * without those get a clear message instead of a button that fails.
 *
 * Actions: register (account page, needs a fresh sign-in: a 401 reauth_required goes to
 * /reauth and back), login (passwordless, on /login), second-factor (after the password),
 * reauth (on /reauth). Cookie requests carry X-CSRF-TOKEN as static/js/session.js does.
 */
(function () {
  "use strict";
  // Words in the page's language (layout.html: <body data-i18n='{…}'>), English as a fallback.
  function say(key, fallback, values) {
    var table = {};
    try {
      table = JSON.parse((typeof document !== "undefined" && document.body &&
        document.body.getAttribute("data-i18n")) || "{}");
    } catch (e) {
      table = {};
    }
    var text = table[key] || fallback;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(values[name]);
    });
    return text;
  }


  if (window.munjigiPasskeys) {
    return; // included twice on one page
  }
  window.munjigiPasskeys = true;

  var ENDPOINTS = {
    register: ["/members/passkeys/registration/options", "/members/passkeys"],
    login: ["/members/passkeys/login/options", "/members/passkeys/login"],
    "second-factor": ["/members/passkeys/second-factor/options", "/members/passkeys/second-factor"],
    reauth: ["/members/passkeys/reauth/options", "/members/passkeys/reauth"]
  };
  var UNSUPPORTED = say("passkey_unsupported", "This browser can't use passkeys here. Update it, or use your password.");

  function ipOrigin() {
    // WebAuthn ties a passkey to a site name: on an IP address the browser refuses it.
    var host = window.location.hostname;
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.indexOf(":") >= 0 || host.charAt(0) === "[";
  }

  function ipOriginMessage() {
    var port = window.location.port ? ":" + window.location.port : "";
    return "Passkeys don't work on an IP address such as " + window.location.hostname +
      ": browsers tie a passkey to a site name. Open this page at http://localhost" + port +
      window.location.pathname + " (on this computer) or at the site's https address.";
  }

  function supported() {
    var pkc = window.PublicKeyCredential;
    return Boolean(
      window.isSecureContext && pkc && navigator.credentials &&
      typeof pkc.parseCreationOptionsFromJSON === "function" &&
      typeof pkc.parseRequestOptionsFromJSON === "function" &&
      typeof pkc.prototype.toJSON === "function"
    );
  }

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i += 1) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) {
        return decodeURIComponent(parts[i].slice(eq + 1));
      }
    }
    return "";
  }

  function localPath(value) {
    // Only a path on this site (the server checked it too): never an open redirect.
    return value && value.charAt(0) === "/" && value.charAt(1) !== "/" && value.indexOf("\\") < 0
      ? value : "/";
  }

  function post(url, body) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    var csrf = cookie("csrf_access_token");
    if (csrf) {
      headers["X-CSRF-TOKEN"] = csrf;
    }
    return window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () {
        return {};
      }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.message || "Request failed");
          error.code = data.code || "http_" + response.status;
          throw error;
        }
        return data;
      });
    });
  }

  function show(block, text, kind) {
    var status = block.querySelector("[data-passkey-status]");
    if (!status) {
      return;
    }
    status.textContent = text;
    status.className = "alert alert--" + (kind || "info");
    status.hidden = !text;
  }

  function explain(error) {
    if (error && error.name === "NotAllowedError") {
      return say("passkey_cancelled", "The passkey request was cancelled or timed out.");
    }
    if (error && error.name === "InvalidStateError") {
      return say("passkey_exists", "This device already has a passkey for your account.");
    }
    var code = error && error.code;
    if (code === "passkey_challenge_invalid") {
      return say("passkey_slow", "That took too long. Please try again.");
    }
    if (code === "mfa_challenge_invalid") {
      return say("passkey_expired", "This sign-in expired. Please log in again.");
    }
    if (code === "passkey_limit") {
      return say("passkey_limit", "You have as many passkeys as allowed. Remove one first.");
    }
    if (code === "passkey_duplicate") {
      return say("passkey_duplicate", "That passkey is already registered.");
    }
    if (code === "too_many_requests") {
      return say("passkey_rate", "Too many attempts. Wait a moment and try again.");
    }
    return say("passkey_failed", "The passkey could not be used. Please try again.");
  }

  function extra(block, action) {
    if (action === "register") {
      var input = block.querySelector("input[data-passkey-name]");
      return { name: input ? input.value.trim() : "" };
    }
    if (action === "second-factor") {
      return { challenge: block.getAttribute("data-mfa-token") || "" };
    }
    return {};
  }

  function finish(block, action) {
    if (action === "register") {
      window.location.assign(localPath(block.getAttribute("data-passkey-done")));
      return;
    }
    window.location.assign(localPath(block.getAttribute("data-next")));
  }

  function run(block, action, button) {
    var urls = ENDPOINTS[action];
    var body = extra(block, action);
    button.disabled = true;
    show(block, say("passkey_prompt", "Follow your browser's prompt…"), "info");
    post(urls[0], action === "second-factor" ? { challenge: body.challenge } : {})
      .then(function (data) {
        var pkc = window.PublicKeyCredential;
        if (action === "register") {
          return navigator.credentials.create({
            publicKey: pkc.parseCreationOptionsFromJSON(data.options)
          });
        }
        return navigator.credentials.get({
          publicKey: pkc.parseRequestOptionsFromJSON(data.options)
        });
      })
      .then(function (credential) {
        body.credential = credential.toJSON();
        show(block, "Checking…", "info");
        return post(urls[1], body);
      })
      .then(function () {
        show(block, "Done.", "success");
        finish(block, action);
      })
      .catch(function (error) {
        button.disabled = false;
        if (error && error.code === "reauth_required") {
          var reauth = block.getAttribute("data-reauth-url");
          if (reauth) {
            window.location.assign(localPath(reauth));
            return;
          }
        }
        show(block, explain(error), "error");
      });
  }

  function init() {
    var blocks = document.querySelectorAll("[data-passkey]");
    for (var i = 0; i < blocks.length; i += 1) {
      (function (block) {
        var button = block.querySelector("[data-passkey-action]");
        if (!button) {
          return;
        }
        var action = button.getAttribute("data-passkey-action");
        if (ipOrigin()) {
          button.disabled = true;
          show(block, ipOriginMessage(), "info");
          return;
        }
        if (!supported()) {
          button.disabled = true;
          show(block, UNSUPPORTED, "info");
          return;
        }
        var form = button.form;
        var start = function (event) {
          event.preventDefault();
          run(block, action, button);
        };
        if (form) {
          form.addEventListener("submit", start);
        } else {
          button.addEventListener("click", start);
        }
        block.setAttribute("data-passkey-ready", "true");
      })(blocks[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
