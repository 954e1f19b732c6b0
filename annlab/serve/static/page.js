// Runs after textual.js has set window.onload and before the page's load event.
(function () {
  "use strict";
  const element = document.getElementById("terminal");

  // The websocket lives beside this page, whatever address the learner used to reach it
  // (textual-serve's own page names the address the server was bound to).
  const websocket = new URL("ws", window.location.href);
  websocket.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
  websocket.search = "";
  element.dataset.sessionWebsocketUrl = websocket.href;

  // xterm.js measures its cells once, when it opens: start it only when the font it draws
  // with has loaded (or after 3 s, with the browser's monospace font).
  const startTerminal = window.onload;
  window.onload = null;
  window.addEventListener("load", function () {
    const font = document.fonts.load(element.dataset.fontSize + "px 'Roboto Mono'").catch(function () {});
    const enough = new Promise(function (resolve) { setTimeout(resolve, 3000); });
    Promise.race([font, enough]).then(function () {
      if (startTerminal) startTerminal.call(window);
    });
  });

  for (const button of document.querySelectorAll("button.restart")) {
    button.addEventListener("click", function () { window.location.reload(); });
  }
})();
