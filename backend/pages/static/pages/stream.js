// A WebSocket stream of the contract: connects, reconnects with backoff (and jitter) after any close, and reports
// its state. Each (re)connection starts with the server's snapshot, so a page that applies messages in seq order
// and asks for `sync` on a gap stays correct across disconnects.
"use strict";

window.DTX = window.DTX || {};

window.DTX.openStream = (path, handlers) => {
  // finalCodes: close codes after which reconnecting cannot help (the state is then "gone").
  const { onMessage, onState, finalCodes = [4404] } = handlers;
  let socket = null;
  let delay = 500;

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}${path}`);
    socket.addEventListener("open", () => {
      delay = 500;
      onState("live");
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (message && typeof message.type === "string") onMessage(message);
    });
    socket.addEventListener("close", (event) => {
      if (finalCodes.includes(event.code)) {
        onState("gone");
        return;
      }
      onState("reconnecting");
      const wait = delay + Math.random() * delay * 0.3;
      delay = Math.min(delay * 2, 10000);
      window.setTimeout(connect, wait);
    });
  }

  connect();
  return {
    sync() {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "sync" }));
    },
  };
};
