/*
 * Munjigi session manager: one small script of our own, no framework.
 *
 * - Renews the access token shortly before it expires, computed from the token's real
 *   expiry (data-access-exp, then each refresh answer's access_expires_at), never a fixed
 *   timer; the server's clock is used, so a wrong clock on this computer does not matter.
 * - Renews silently while the person works in any Munjigi tab. After a spell with no
 *   activity it warns ("Stay signed in") and then signs out before the token runs out.
 * - Only one tab refreshes at a time (Web Locks; a localStorage lease without them). The
 *   others pick up the result over BroadcastChannel (or storage events).
 * - When one tab signs out, or the session is revoked, every tab shows "Session ended".
 * - Never races the first page load: a page whose access token had already expired is
 *   served as a renew shell, which renews first and then opens the page.
 * - Forms always send the current CSRF token, even if another tab renewed the session.
 * Pages work without this script; the bar is an enhancement.
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


  var body = document.body;
  if (!body) {
    return;
  }
  var data = body.dataset;
  var CHANNEL = "munjigi-session";
  var STATE_KEY = "munjigi.session";
  var ACTIVITY_KEY = "munjigi.activity";
  var LEASE_KEY = "munjigi.refresh-lease";
  var RENEW_GUARD_KEY = "munjigi.renewed";
  var LOCK_NAME = "munjigi-refresh";
  var loadedAt = Date.now();

  // --- Clock: the server's time, so expiry maths is right whatever this clock says ---

  var skew = data.serverNow ? Number(data.serverNow) * 1000 - Date.now() : 0;

  function now() {
    return Date.now() + skew;
  }

  function learnSkew(response) {
    var date = Date.parse(response.headers.get("Date") || "");
    if (date) {
      skew = date - Date.now();
    }
  }

  // --- Small helpers ---

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

  function storageGet(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function storageSet(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* private mode: tabs still coordinate through BroadcastChannel */
    }
  }

  function clock(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var mm = h ? (m < 10 ? "0" : "") + m : String(m);
    return (h ? h + ":" : "") + mm + ":" + (s < 10 ? "0" : "") + s;
  }

  function showLocalTimes() {
    var items = document.querySelectorAll("time[data-local-time]");
    for (var i = 0; i < items.length; i += 1) {
      var when = new Date(items[i].getAttribute("datetime"));
      if (!isNaN(when.getTime())) {
        items[i].title = items[i].textContent;
        items[i].textContent = when.toLocaleString(document.documentElement.lang ? [document.documentElement.lang] : [], {
          year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"
        });
      }
    }
  }

  // --- Between tabs ---

  var channel = null;
  try {
    channel = new BroadcastChannel(CHANNEL);
  } catch (e) {
    channel = null;
  }

  function share(message) {
    message.at = Date.now();
    storageSet(STATE_KEY, message);
    if (channel) {
      channel.postMessage(message);
    }
  }

  function listen(handler) {
    if (channel) {
      channel.onmessage = function (event) { handler(event.data); };
    } else {
      window.addEventListener("storage", function (event) {
        if (event.key === STATE_KEY && event.newValue) {
          try { handler(JSON.parse(event.newValue)); } catch (e) { /* ignore */ }
        }
      });
    }
  }

  // One tab at a time: Web Locks where the browser has them, else a short lease.
  function exclusive(task) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request(LOCK_NAME, task);
    }
    return leased(task);
  }

  function leased(task) {
    var me = Math.random().toString(36).slice(2);
    return new Promise(function (resolve) {
      function release() {
        var lease = storageGet(LEASE_KEY);
        if (lease && lease.owner === me) {
          try { window.localStorage.removeItem(LEASE_KEY); } catch (e) { /* ignore */ }
        }
      }
      function run() {
        Promise.resolve().then(task).then(function (value) {
          release();
          resolve(value);
        }, function () {
          release();
          resolve(false);
        });
      }
      function attempt(tries) {
        var lease = storageGet(LEASE_KEY);
        if (lease && lease.until > Date.now() && lease.owner !== me && tries < 100) {
          window.setTimeout(function () { attempt(tries + 1); }, 100 + Math.random() * 100);
          return;
        }
        storageSet(LEASE_KEY, { owner: me, until: Date.now() + 10000 });
        // Read back after a beat: of two tabs that wrote at once, the last writer runs.
        window.setTimeout(function () {
          var check = storageGet(LEASE_KEY);
          if (check && check.owner !== me && tries < 100) {
            attempt(tries + 1);
          } else {
            run();
          }
        }, 30);
      }
      attempt(0);
    });
  }

  function refreshRequest() {
    return window.fetch(data.refreshUrl, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-CSRF-TOKEN": cookie("csrf_refresh_token"), "Accept": "application/json" }
    });
  }

  // --- Pages without a session: the renew shell, the login form, sign-out pages ---

  function renewShell() {
    var next = data.next || "/";
    var guard = null;
    try { guard = JSON.parse(window.sessionStorage.getItem(RENEW_GUARD_KEY) || "null"); } catch (e) { guard = null; }
    if (guard && guard.next === next && Date.now() - guard.at < 10000) {
      return; // renewed a moment ago and still here: cookies are not kept; the button remains
    }
    exclusive(function () {
      var shared = storageGet(STATE_KEY);
      if (shared && shared.type === "renewed" && shared.accessExp - now() > 5000 &&
          shared.at > loadedAt - 60000) {
        return true; // another tab renewed just now: the cookies are already fresh
      }
      return refreshRequest().then(function (response) {
        learnSkew(response);
        if (!response.ok) {
          return response.status === 401 || response.status === 403 ? "ended" : false;
        }
        return response.json().then(function (answer) {
          share({ type: "renewed", accessExp: Date.parse(answer.access_expires_at) });
          return true;
        });
      });
    }).then(function (outcome) {
      if (outcome === true) {
        try {
          window.sessionStorage.setItem(RENEW_GUARD_KEY, JSON.stringify({ next: next, at: Date.now() }));
        } catch (e) { /* ignore */ }
        window.location.replace(next);
      } else if (outcome === "ended") {
        window.location.replace(data.endedUrl || data.loginUrl);
      }
    }, function () { /* offline: the Continue button remains */ });
  }

  function anonymousPage() {
    var event = data.sessionEvent;
    if (event && !cookie("csrf_access_token")) {
      // This browser's session is over (signed out or revoked): tell the other tabs.
      share({ type: "ended", reason: event === "logout" || event === "signed_out" ? "logout" : "revoked" });
      return;
    }
    if (!event && data.next !== undefined && cookie("csrf_refresh_token")) {
      // A login form shown although this browser has a session (e.g. arrived by a link
      // from another site, which SameSite=Strict cookies do not follow): renew and go on.
      refreshRequest().then(function (response) {
        if (response.ok) {
          response.json().then(function (answer) {
            share({ type: "renewed", accessExp: Date.parse(answer.access_expires_at) });
            window.location.replace(data.next || "/");
          });
        } else {
          document.cookie = "csrf_refresh_token=; Max-Age=0; path=/; SameSite=Strict";
        }
      }, function () { /* offline: stay on the form */ });
    }
  }

  // --- Signed-in pages: the session bar and the renewal loop ---

  function signedIn() {
    var bar = document.getElementById("session-bar");
    var text = bar && bar.querySelector("[data-role=text]");
    var time = bar && bar.querySelector("[data-role=time]");
    var stay = bar && bar.querySelector("[data-role=stay]");
    var login = bar && bar.querySelector("[data-role=login]");
    var announce = bar && bar.querySelector("[data-role=announce]");
    var announced = "active";

    var accessExp = Number(data.accessExp) * 1000;
    var sessionExp = Number(data.sessionExp) * 1000 || 0;
    var ttl = Math.max(Number(data.accessTtl) * 1000 || accessExp - now(), 2000);
    // Renew this long before expiry: a quarter of the lifetime, between 2 s and 2 min.
    var lead = Math.min(Math.max(ttl / 4, 2000), 120000);
    // An idle tab signs out this long before expiry, while its token still works.
    var endLead = Math.min(1500, lead / 2);
    var limitWarning = Math.min(5 * 60000, ttl);
    var state = "active";
    var reason = "";
    var lastRenewal = now();
    var lastActivity = now();
    var renewing = null;
    var retryAt = 0;
    var timer = null;
    // Every refresh sets a new CSRF cookie: seeing another value than the one we last
    // adopted means another tab renewed, even before its message (or its localStorage
    // write, which reaches other tabs asynchronously) gets here.
    var knownCsrf = cookie("csrf_access_token");

    function activeSince(t) {
      var shared = storageGet(ACTIVITY_KEY);
      var latest = Math.max(lastActivity, shared ? Number(shared) + skew : 0);
      return latest > t;
    }

    var lastWrite = 0;
    function activity() {
      lastActivity = now();
      if (Date.now() - lastWrite > 1000) {
        lastWrite = Date.now();
        storageSet(ACTIVITY_KEY, Date.now());
      }
      if (state === "warning") {
        renew();
      }
    }

    function csrfFields() {
      var value = cookie("csrf_access_token");
      if (!value) {
        return;
      }
      var fields = document.querySelectorAll("form input[name=csrf_token]");
      for (var i = 0; i < fields.length; i += 1) {
        fields[i].value = value;
      }
    }

    function adopt(exp) {
      if (exp > accessExp) {
        accessExp = exp;
      }
      lastRenewal = now();
      knownCsrf = cookie("csrf_access_token");
      if (state !== "ended") {
        state = "active";
      }
      csrfFields();
      render();
    }

    function end(why, tellOthers) {
      if (state === "ended") {
        return;
      }
      state = "ended";
      reason = why;
      if (timer) {
        window.clearInterval(timer);
      }
      body.classList.add("is-session-ended");
      if (tellOthers) {
        share({ type: "ended", reason: why });
      }
      render();
    }

    function renew() {
      if (renewing || state === "ended") {
        return renewing || Promise.resolve(false);
      }
      var startedWith = accessExp;
      renewing = exclusive(function () {
        var shared = storageGet(STATE_KEY);
        if (shared && shared.type === "ended" && shared.at > loadedAt) {
          end(shared.reason, false);
          return false;
        }
        if (shared && shared.type === "renewed" && shared.accessExp > startedWith + 1000 &&
            shared.accessExp - now() > lead) {
          adopt(shared.accessExp); // another tab refreshed while we waited for the lock
          return true;
        }
        var current = cookie("csrf_access_token");
        if (current && knownCsrf && current !== knownCsrf) {
          // Renewed by another tab whose news is still on its way: look again in a
          // second, by when its exact expiry has arrived over the channel. Nothing came?
          // Then the cookie is no longer news, and this tab refreshes itself.
          adopt(Math.max(accessExp, now() + lead + 1000));
          return true;
        }
        return refreshRequest().then(function (response) {
          learnSkew(response);
          if (response.ok) {
            return response.json().then(function (answer) {
              var exp = Date.parse(answer.access_expires_at);
              adopt(exp);
              share({ type: "renewed", accessExp: exp });
              return true;
            });
          }
          if (response.status === 401 || response.status === 403) {
            end("revoked", true);
            return false;
          }
          throw new Error("refresh answered " + response.status);
        });
      }).then(null, function () {
        if (state !== "ended") {
          state = "offline";
          retryAt = now() + 5000; // the server is unreachable or busy: try again shortly
          render();
        }
        return false;
      }).then(function (ok) {
        renewing = null;
        return ok;
      });
      return renewing;
    }

    function signOutIdle() {
      exclusive(function () {
        var shared = storageGet(STATE_KEY);
        if (shared && shared.type === "renewed" && shared.accessExp > accessExp) {
          adopt(shared.accessExp);
          return true;
        }
        return window.fetch(data.logoutUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRF-TOKEN": cookie("csrf_access_token"), "Accept": "application/json" }
        }).then(function () { end("timeout", true); }, function () { end("timeout", true); });
      });
    }

    function tick() {
      if (state === "ended") {
        return;
      }
      var t = now();
      if (sessionExp && t >= sessionExp) {
        end("limit", true);
        return;
      }
      if (state === "warning" && t >= accessExp - endLead) {
        state = "signing-out";
        signOutIdle();
      } else if ((state === "active" || state === "offline") && t >= accessExp - lead &&
                 t >= retryAt) {
        if (t >= accessExp || activeSince(lastRenewal)) {
          renew(); // expired while asleep, or the person is working: renew
        } else if (sessionExp && accessExp >= sessionExp) {
          state = "active"; // nothing to renew: the session's hard limit is the end
        } else {
          state = "warning";
        }
      }
      render();
    }

    function render() {
      if (!bar) {
        return;
      }
      var t = now();
      var shown = state === "signing-out" ? "warning" : state;
      bar.setAttribute("data-state", shown);
      stay.hidden = shown !== "warning";
      login.hidden = shown !== "ended";
      if (shown === "ended") {
        text.textContent = say("ended", "Session ended — log in again");
        time.textContent = {
          logout: say("ended_logout", "You signed out."),
          timeout: say("ended_timeout", "You were signed out after a while without activity."),
          limit: say("ended_limit", "This session reached its time limit."),
          revoked: say("ended_revoked", "This session was ended.")
        }[reason] || "";
        login.href = data.loginUrl + "?next=" + encodeURIComponent(location.pathname + location.search);
      } else if (shown === "warning") {
        text.textContent = say("warning", "Still there?");
        time.textContent = say("warning_time", "You'll be signed out in %(time)s.", { time: clock(accessExp - endLead - t) });
      } else if (shown === "offline") {
        text.textContent = say("offline", "Can't reach the server");
        time.textContent = say("offline_time", "retrying… %(time)s left", { time: clock(accessExp - t) });
      } else if (sessionExp && sessionExp - t < limitWarning) {
        text.textContent = say("active", "Secure session active");
        time.textContent = say("limit_time", "Session limit in %(time)s — save your work, then log in again.", { time: clock(sessionExp - t) });
      } else {
        text.textContent = say("active", "Secure session active");
        time.textContent = say("active_time", "%(time)s left", { time: clock(accessExp - t) });
      }
      // Screen readers hear a change of state once, never the countdown ticking.
      var limitNear = shown === "active" && sessionExp && sessionExp - t < limitWarning;
      var key = limitNear ? "limit" : shown;
      if (announce && key !== announced && shown !== "renewing") {
        announced = key;
        announce.textContent = key === "active" ? "" : text.textContent + " " + time.textContent;
      }
    }

    listen(function (message) {
      if (!message || state === "ended") {
        return;
      }
      if (message.type === "renewed" && message.accessExp > accessExp) {
        adopt(message.accessExp);
      } else if (message.type === "ended") {
        end(message.reason, false);
      }
    });

    if (stay) {
      stay.addEventListener("click", function () {
        lastActivity = now();
        renew();
      });
    }
    ["pointerdown", "pointermove", "keydown", "wheel", "touchstart", "focus"].forEach(function (name) {
      window.addEventListener(name, activity, { passive: true });
    });
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        activity();
        tick();
      }
    });

    // A form always sends the CSRF value of the current token; past expiry, renew first.
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var field = form.querySelector && form.querySelector("input[name=csrf_token]");
      if (!field || state === "ended") {
        return;
      }
      if (now() >= accessExp - 1000) {
        event.preventDefault();
        renew().then(function (ok) {
          if (ok) {
            field.value = cookie("csrf_access_token") || field.value;
            form.submit();
          }
        });
        return;
      }
      field.value = cookie("csrf_access_token") || field.value;
    }, true);

    render();
    timer = window.setInterval(tick, 1000);
  }

  showLocalTimes();
  if (data.session === "active") {
    signedIn();
  } else if (data.session === "renew") {
    renewShell();
  } else {
    anonymousPage();
  }
}());
