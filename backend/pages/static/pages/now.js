// The home page's "Live now": drafts in progress and live games, kept current by /ws/now/. The socket, its
// reconnects (with backoff) and the snapshot each connection starts with are pages/stream.js's; the page shows
// what the server rendered until the first snapshot. Cards are built like home.html's, every string with textContent.
"use strict";

(() => {
  const box = document.getElementById("live-now");
  if (!box || !window.DTX || !("WebSocket" in window)) return;

  const SHOWN_MEMBERS = 3; // then "and N more", as home.html says it
  const drafts = new Map(); // draft id -> draft
  const games = new Map(); // live id -> game
  // The newest draft seq heard of, per draft, shown or not: a late message about a draft never undoes a newer one.
  const draftSeqs = new Map();
  let seq = null;
  let stream = null;

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function link(href, text) {
    return element("a", { href }, text);
  }

  const capitalized = (text) => (text ? text.charAt(0).toUpperCase() + text.slice(1) : "");

  function draftCard(draft) {
    const card = element("li", { class: "card live-now", "data-draft-id": draft.id });
    const title = element("h3");
    title.append(link(`/drafts/${draft.id}/`, `Draft of ${draft.tournament_name}`));
    const about = element("p", { class: "muted" }, `${capitalized(String(draft.style || ""))} draft · `);
    about.append(link(`/tournaments/${Number(draft.tournament)}/`, "tournament page"));
    card.append(element("span", { class: "live-badge" }, "Live draft"), title, about);
    return card;
  }

  function gameCard(game) {
    const card = element("li", { class: "card live-now", "data-live-id": game.live_id });
    const members = Array.isArray(game.members) ? game.members.map((member) => String(member.name)) : [];
    let name = members.slice(0, SHOWN_MEMBERS).join(", ");
    if (members.length > SHOWN_MEMBERS) name += ` and ${members.length - SHOWN_MEMBERS} more`;
    if (!name) name = game.league_id ? `League ${Number(game.league_id)} game` : "A guild game";
    const title = element("h3");
    title.append(link(`/live/${game.live_id}/`, name));
    const about = element("p", { class: "muted" }, `${game.source === "league" ? "League lobby" : "Top live game"} · `);
    about.append(link("/live/", "all live matches"));
    card.append(element("span", { class: "live-badge" }, "Live game"), title, about);
    return card;
  }

  function render() {
    const cards = [
      ...[...drafts.values()].sort((a, b) => b.id - a.id).map(draftCard),
      ...[...games.values()].map(gameCard),
    ];
    if (cards.length === 0) {
      box.replaceChildren(element("p", { class: "muted", "data-testid": "nothing-live" },
        "Nothing is live right now. Drafts show here the moment they start."));
      return;
    }
    const list = element("ul", { class: "cards", "data-testid": "live-drafts" });
    list.append(...cards);
    box.replaceChildren(list);
  }

  const validDraft = (draft) => draft && Number.isInteger(draft.id) && draft.id > 0 && typeof draft.seq === "number";
  const validGame = (game) => game && typeof game.live_id === "string" && /^[0-9]{1,20}$/.test(game.live_id);

  function applyDraft(draft, live) {
    if (!validDraft(draft)) return;
    if ((draftSeqs.has(draft.id) ? draftSeqs.get(draft.id) : -1) > draft.seq) return;
    draftSeqs.set(draft.id, draft.seq);
    if (live) drafts.set(draft.id, draft);
    else drafts.delete(draft.id);
  }

  function applySnapshot(data) {
    drafts.clear();
    games.clear();
    for (const draft of Array.isArray(data.drafts) ? data.drafts : []) {
      if (!validDraft(draft)) continue;
      draftSeqs.set(draft.id, draft.seq);
      drafts.set(draft.id, draft);
    }
    for (const game of Array.isArray(data.games) ? data.games : []) if (validGame(game)) games.set(game.live_id, game);
  }

  function onMessage(message) {
    const data = message.data || {};
    if (message.type === "now.snapshot") {
      seq = message.seq;
      applySnapshot(data);
      render();
      box.dataset.seq = String(seq);
      return;
    }
    if (seq === null || typeof message.seq !== "number" || message.seq <= seq) return;
    if (message.seq !== seq + 1) {
      stream.sync(); // a gap: start again from the server's state
      return;
    }
    seq = message.seq;
    switch (message.type) {
      case "now.draft_started":
      case "now.draft_reopened":
        applyDraft(data, true);
        break;
      case "now.draft_completed":
        applyDraft(data, false);
        break;
      case "now.game_started":
        if (validGame(data)) games.set(data.live_id, data);
        break;
      case "now.game_ended":
        if (validGame(data)) games.delete(data.live_id);
        break;
      default:
        box.dataset.seq = String(seq);
        return; // unknown to this page: nothing to show
    }
    render();
    box.dataset.seq = String(seq);
  }

  stream = window.DTX.openStream("/ws/now/", {
    onState: (state) => {
      box.dataset.connection = state;
      if (state !== "live") seq = null; // the next connection starts with its own snapshot
    },
    onMessage,
  });
})();
