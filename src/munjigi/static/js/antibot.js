/*
 * Munjigi anti-bot helper (security/antibot.py). Solves the proof-of-work challenge of a
 * login or sign-up form in the background and fills the hidden "altcha" field, so the
 * person never sees a puzzle. It also holds a submission back until the form's minimum
 * fill time has passed (a password manager can fill and send a form in under a second).
 *
 * Challenge (ALTCHA v2, SHA-256, cost 1): find the counter whose
 * SHA-256(salt || nonce || uint32be(counter)) starts with parameters.keyPrefix.
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


  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);
  var W = new Uint32Array(64);
  var H = new Uint32Array(8);

  /* SHA-256 of bytes[0..length), written into H (a small, allocation-free implementation). */
  var block = new Uint8Array(0);
  function sha256(bytes, length) {
    var padded = ((length + 9 + 63) >> 6) << 6;
    if (block.length !== padded) block = new Uint8Array(padded);
    block.fill(0);
    block.set(bytes.subarray(0, length));
    block[length] = 0x80;
    var bits = length * 8;
    block[padded - 4] = (bits >>> 24) & 0xff;
    block[padded - 3] = (bits >>> 16) & 0xff;
    block[padded - 2] = (bits >>> 8) & 0xff;
    block[padded - 1] = bits & 0xff;
    H.set([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    for (var offset = 0; offset < padded; offset += 64) {
      for (var i = 0; i < 16; i++) {
        var j = offset + i * 4;
        W[i] = (block[j] << 24) | (block[j + 1] << 16) | (block[j + 2] << 8) | block[j + 3];
      }
      for (i = 16; i < 64; i++) {
        var a15 = W[i - 15], a2 = W[i - 2];
        var s0 = ((a15 >>> 7) | (a15 << 25)) ^ ((a15 >>> 18) | (a15 << 14)) ^ (a15 >>> 3);
        var s1 = ((a2 >>> 17) | (a2 << 15)) ^ ((a2 >>> 19) | (a2 << 13)) ^ (a2 >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
      }
      var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
      for (i = 0; i < 64; i++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var ch = (e & f) ^ (~e & g);
        var t1 = (h + S1 + ch + K[i] + W[i]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var t2 = (S0 + maj) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
    }
    return H;
  }

  function hexToBytes(hex) {
    var out = new Uint8Array(hex.length >> 1);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  function hex(words, byteLength) {
    var s = "";
    for (var i = 0; i < byteLength; i++) {
      var byte = (words[i >> 2] >>> (24 - 8 * (i & 3))) & 0xff;
      s += (byte < 16 ? "0" : "") + byte.toString(16);
    }
    return s;
  }

  /* Try counters from 0, yielding to the page every few thousand; resolves {counter, derivedKey}. */
  function solve(challenge) {
    var p = challenge.parameters;
    if (p.algorithm !== "SHA-256" || p.cost !== 1) return Promise.reject(new Error("unsupported"));
    var salt = hexToBytes(p.salt), nonce = hexToBytes(p.nonce);
    var message = new Uint8Array(salt.length + nonce.length + 4);
    message.set(salt, 0);
    message.set(nonce, salt.length);
    var at = salt.length + nonce.length;
    var prefix = p.keyPrefix.toLowerCase();
    var keyLength = Math.min(p.keyLength || 32, 32);
    var limit = 0xffffffff;
    var quick = Math.min(4, prefix.length >> 1);
    var head = prefix.substr(0, quick * 2);
    return new Promise(function (resolve, reject) {
      var counter = 0;
      function chunk() {
        for (var n = 0; n < 4000; n++, counter++) {
          if (counter > limit) return reject(new Error("not found"));
          message[at] = (counter >>> 24) & 0xff;
          message[at + 1] = (counter >>> 16) & 0xff;
          message[at + 2] = (counter >>> 8) & 0xff;
          message[at + 3] = counter & 0xff;
          var digest = sha256(message, message.length);
          if (hex(digest, quick) !== head) continue;
          var key = hex(digest, keyLength);
          if (key.lastIndexOf(prefix, 0) === 0) return resolve({ counter: counter, derivedKey: key });
        }
        setTimeout(chunk, 0);
      }
      chunk();
    });
  }

  function payload(challenge, solution) {
    return btoa(JSON.stringify({ challenge: challenge, solution: solution }));
  }

  function protect(field) {
    var form = field.form;
    var challenge = JSON.parse(field.getAttribute("data-antibot-challenge"));
    var timing = form.querySelector("[data-antibot-min-fill]");
    var minFill = timing ? parseFloat(timing.getAttribute("data-antibot-min-fill")) || 0 : 0;
    var loaded = Date.now();
    var solved = solve(challenge).then(function (solution) {
      field.value = payload(challenge, solution);
    });
    var sending = false;
    form.addEventListener("submit", function (event) {
      var wait = loaded + (minFill + 0.5) * 1000 - Date.now();
      if (field.value && wait <= 0) return;
      event.preventDefault();
      if (sending) return;
      sending = true;
      form.setAttribute("aria-busy", "true");
      solved.then(function () {
        setTimeout(function () { form.submit(); }, Math.max(0, loaded + (minFill + 0.5) * 1000 - Date.now()));
      }, function () {
        form.submit(); /* the server asks again, with a challenge it can explain */
      });
    });
  }

  /* Sign-up: ask the server how strong the password is (zxcvbn + the breached list). */
  function strengthHints(form) {
    var out = form.querySelector("[data-password-strength-url]");
    var password = form.querySelector("input[name=password]");
    if (!out || !password || !window.fetch) return;
    var words = ["very weak", "weak", "fair", "strong", "very strong"].map(function (word, score) {
      return say("strength_" + score, word);
    });
    var timer = null;
    password.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (!password.value) { out.textContent = ""; return; }
        var user = form.querySelector("input[name=username]");
        var mail = form.querySelector("input[name=email]");
        fetch(out.getAttribute("data-password-strength-url"), {
          method: "POST",
          credentials: "omit",
          headers: { "Content-Type": "application/json", "Accept": "application/json" },
          body: JSON.stringify({
            password: password.value,
            username: user ? user.value : "",
            email: mail ? mail.value : ""
          })
        }).then(function (r) { return r.ok ? r.json() : null; }).then(function (body) {
          if (!body) return;
          var text = say("strength", "Strength: %(word)s", { word: words[body.score] }) +
            (body.hint ? " — " + body.hint : "");
          out.textContent = text;
          out.setAttribute("data-score", String(body.score));
          out.setAttribute("data-acceptable", body.acceptable ? "true" : "false");
        }, function () { /* a hint is optional */ });
      }, 500);
    });
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { solve: solve, sha256: sha256, payload: payload };
    return;
  }
  var fields = document.querySelectorAll("input[data-antibot-challenge]");
  for (var i = 0; i < fields.length; i++) {
    protect(fields[i]);
    strengthHints(fields[i].form);
  }
})();
