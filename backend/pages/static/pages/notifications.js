// The signed-in user's notifications from /ws/me/, shown on every page. Reconnects with backoff. A turn still
// running is sent again on each connection: it is shown once, and not over that draft's own board.
// Every string from the server is written with textContent; links are built from numeric ids only.
"use strict";

(() => {
  const area = document.getElementById("notifications");
  if (!area || document.body.dataset.signedIn !== "1" || !("WebSocket" in window)) return;

  const NOT_SIGNED_IN = 4401;
  const MAX_SHOWN = 5;

  function draftLink(data) {
    const id = Number(data && data.draft);
    return Number.isInteger(id) && id > 0 ? `/drafts/${id}/` : null;
  }

  function show(kind, text, href, linkText, key) {
    // The same news twice (a turn announced as the socket opened is also sent on connect): shown once.
    if (key && [...area.children].some((shown) => shown.dataset.key === key)) return;
    const box = document.createElement("div");
    if (key) box.dataset.key = key;
    box.className = `notification notification-${kind}`;
    box.setAttribute("role", kind === "your-turn" ? "alert" : "status");
    box.dataset.kind = kind;
    const body = document.createElement("p");
    body.textContent = text + " ";
    if (href) {
      const link = document.createElement("a");
      link.href = href;
      link.textContent = linkText;
      body.appendChild(link);
    }
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "Dismiss";
    close.setAttribute("aria-label", "Dismiss notification");
    close.addEventListener("click", () => box.remove());
    box.append(body, close);
    area.appendChild(box);
    while (area.children.length > MAX_SHOWN) area.firstElementChild.remove();
  }

  function handle(message) {
    const data = message.data || {};
    if (message.type === "notify.draft_started") {
      const name = typeof data.tournament_name === "string" && data.tournament_name ? data.tournament_name : "a tournament";
      show("draft-started", `The draft of ${name} has started.`, draftLink(data), "Watch the draft");
    } else if (message.type === "notify.your_turn") {
      const board = document.getElementById("draft-board");
      if (board && board.dataset.draftId === String(data.draft)) return; // that board shows the turn itself
      const pick = data.round && data.round.pick_number ? ` (pick ${Number(data.round.pick_number)})` : "";
      const key = `your-turn:${Number(data.draft)}:${Number(data.round && data.round.id)}`;
      show("your-turn", `It is your turn to pick${pick}!`, draftLink(data), "Pick now", key);
    }
  }

  window.DTX.openStream("/ws/me/", {
    onMessage: handle,
    onState: (state) => {
      document.body.dataset.notifications = state === "live" ? "connected" : "disconnected";
    },
    finalCodes: [NOT_SIGNED_IN],
  });
})();
