/* Passkeys on Tessera's pages (served by Tessera, no framework, loaded with `defer`).
 *
 * A form marked `data-passkey="create"` (add a passkey) or `data-passkey="get"` (sign in with one)
 * runs a WebAuthn ceremony instead of posting itself: its fields go as JSON to `data-options`
 * for the options, the browser's authenticator answers them (navigator.credentials), and the
 * credential goes with the fields (passwords left out) to the form's action. The CSRF token goes
 * in the X-CSRF-Token header. The server answers the page to open next, or a refusal whose text
 * is shown in the form's live region. Without WebAuthn the button stays disabled and the form
 * says why.
 */
(function () {
  "use strict";

  function fromBase64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var bytes = atob(base64);
    var buffer = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) buffer[i] = bytes.charCodeAt(i);
    return buffer.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBinaryIds(descriptors) {
    return (descriptors || []).map(function (descriptor) {
      return Object.assign({}, descriptor, { id: fromBase64url(descriptor.id) });
    });
  }

  function creationOptions(json) {
    return Object.assign({}, json, {
      challenge: fromBase64url(json.challenge),
      user: Object.assign({}, json.user, { id: fromBase64url(json.user.id) }),
      excludeCredentials: withBinaryIds(json.excludeCredentials)
    });
  }

  function requestOptions(json) {
    return Object.assign({}, json, {
      challenge: fromBase64url(json.challenge),
      allowCredentials: withBinaryIds(json.allowCredentials)
    });
  }

  function credentialJson(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || null,
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      json.response.userHandle = response.userHandle ? toBase64url(response.userHandle) : null;
    }
    return json;
  }

  function post(url, body, token) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(
        function (json) { return { ok: response.ok, body: json }; },
        function () { return { ok: false, body: {} }; }
      );
    });
  }

  var FAILED = "Something went wrong. Reload the page and try again.";
  var NOT_USED = "No passkey was used: it was cancelled, timed out, or this device has none for Tessera.";

  async function run(form, button) {
    var status = form.querySelector("[data-passkey-status]");
    status.textContent = "";
    button.disabled = true;
    try {
      var fields = {};
      var secret = {};
      Array.prototype.forEach.call(form.elements, function (element) {
        if (!element.name || element.name === "csrf_token") return;
        fields[element.name] = element.value;
        if (element.type === "password") secret[element.name] = true;
      });
      var token = form.elements.csrf_token.value;
      var options = await post(form.dataset.options, fields, token);
      if (!options.ok) {
        status.textContent = options.body.detail || FAILED;
        return;
      }
      var credential;
      try {
        credential = form.dataset.passkey === "create"
          ? await navigator.credentials.create({ publicKey: creationOptions(options.body) })
          : await navigator.credentials.get({ publicKey: requestOptions(options.body) });
      } catch (refused) {
        status.textContent = NOT_USED;
        return;
      }
      var body = { credential: credentialJson(credential) };
      Object.keys(fields).forEach(function (name) {
        if (!secret[name]) body[name] = fields[name];
      });
      var answer = await post(form.getAttribute("action"), body, token);
      if (answer.body.redirect) {
        window.location.assign(answer.body.redirect);
        return;
      }
      status.textContent = answer.body.detail || FAILED;
    } catch (error) {
      status.textContent = FAILED;
    } finally {
      button.disabled = false;
    }
  }

  var supported = Boolean(window.PublicKeyCredential && navigator.credentials && window.fetch);
  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    if (!supported) return;
    var button = form.querySelector("button[type=submit]");
    form.querySelectorAll("[data-passkey-unsupported]").forEach(function (note) {
      note.hidden = true;
    });
    button.disabled = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run(form, button);
    });
  });
})();
