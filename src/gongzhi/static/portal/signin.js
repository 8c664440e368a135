// The portal's sign-in: 获取验证码 asks for a code without leaving the page, then counts
// down before another may be asked for. Without this script the form still works.
(function () {
  "use strict";
  var form = document.querySelector("[data-signin]");
  if (!form) { return; }
  var send = form.querySelector("[data-send]");
  var status = form.querySelector("[data-status]");
  var phoneError = form.querySelector('[data-error="phone"]');
  var codeError = form.querySelector('[data-error="code"]');
  var timer = null;

  function countdown(seconds) {
    var left = seconds;
    send.disabled = true;
    function tick() {
      if (left <= 0) {
        clearInterval(timer);
        send.disabled = false;
        send.textContent = send.dataset.label;
        return;
      }
      send.textContent = send.dataset.again.replace("%(s)s", String(left));
      left -= 1;
    }
    tick();
    timer = setInterval(tick, 1000);
  }

  function show(element, text) {
    element.textContent = text;
  }

  send.addEventListener("click", function (event) {
    event.preventDefault();
    show(phoneError, "");
    show(codeError, "");
    show(status, "");
    var data = new FormData(form);
    data.set("action", "send");
    send.disabled = true;
    // getAttribute: the buttons named "action" shadow the form's own action property.
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (answer.ok) {
        show(status, answer.body.message);
        countdown(answer.body.wait_seconds);
        form.querySelector('[name="code"]').focus();
        return;
      }
      var error = answer.body.error || {};
      show(error.field === "code" ? codeError : phoneError, error.message || "");
      if (error.wait_seconds) { countdown(error.wait_seconds); } else { send.disabled = false; }
    }).catch(function () {
      send.disabled = false;
      form.requestSubmit(send);
    });
  });

  var wait = parseInt(send.dataset.wait || "0", 10);
  if (wait > 0) { countdown(wait); }
}());
