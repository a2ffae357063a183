// Live match scoreboards. Start from the snapshot embedded in the page, then follow /ws/live/ (or one game's
// /ws/live/{live_id}/): live.match and live.ended applied in seq order, a `sync` on a gap, a fresh snapshot after
// every reconnect. A game that ends stays on the page, marked over, with a link to its stored result.
// Every string is written with textContent.
"use strict";

(() => {
  const board = document.getElementById("live-board");
  if (!board) return;

  const readJson = (id) => JSON.parse(document.getElementById(id).textContent);
  const find = (testid) => board.querySelector(`[data-testid="${testid}"]`);
  const heroNames = readJson("hero-names");
  const members = new Map(Object.entries(readJson("live-members"))); // user id -> display name
  const asked = new Set();
  const liveId = board.dataset.liveId || "";
  const games = new Map(); // live_id -> {match, ended, matchId}
  let seq = 0;

  for (const match of readJson("live-snapshot")) games.set(match.live_id, { match, ended: false, matchId: match.match_id });
  const ended = readJson("live-ended");
  if (ended && games.size === 0) games.set(ended.live_id, { match: null, ended: true, matchId: ended.match_id });

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  const show = (value) => (value === null || value === undefined ? "–" : String(value));

  function clock(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const sign = seconds < 0 ? "-" : "";
    const total = Math.abs(seconds);
    return `${sign}${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
  }

  function heroName(id) {
    if (!id) return "Picking…";
    return heroNames[String(id)] || `Hero ${id}`;
  }

  // A guild member's name, fetched once from the public user API when a game brings one the page did not know.
  function memberName(id) {
    if (!id) return null;
    const key = String(id);
    if (members.has(key)) return members.get(key);
    if (!asked.has(key)) {
      asked.add(key);
      fetch(`/api/users/${key}/`, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : null))
        .then((user) => {
          if (!user) return;
          members.set(key, user.nickname || user.guild_nickname || user.discord_nickname || user.username);
          render();
        })
        .catch(() => {});
    }
    return null;
  }

  function lead(value) {
    if (value === null || value === undefined) return "Gold lead unknown";
    if (value === 0) return "Gold even";
    return `${value > 0 ? "Radiant" : "Dire"} +${Math.abs(value).toLocaleString("en")} gold`;
  }

  function teamTable(match, team, label) {
    const table = element("table", { class: "scoreboard", "data-team": team });
    table.append(element("caption", {}, label));
    const head = element("tr");
    for (const title of ["Hero", "Player", "K / D / A", "Net worth", "Level"]) head.append(element("th", { scope: "col" }, title));
    const thead = element("thead");
    thead.append(head);
    table.append(thead);
    const body = element("tbody");
    for (const player of (match.players || []).filter((p) => p.team === team)) {
      const row = element("tr", { "data-account-id": show(player.account_id) });
      row.append(
        element("td", { "data-stat": "hero" }, heroName(player.hero_id)),
        element("td", { "data-stat": "player" }, memberName(player.user) || ""),
        element("td", { "data-stat": "kda" }, `${show(player.kills)} / ${show(player.deaths)} / ${show(player.assists)}`),
        element("td", { "data-stat": "net_worth" }, show(player.net_worth)),
        element("td", { "data-stat": "level" }, show(player.level)),
      );
      body.append(row);
    }
    table.append(body);
    return table;
  }

  function renderGame(id, game) {
    const box = element("article", { class: `card live-game${game.ended ? "" : " live-now"}`, "data-live-id": id,
      "data-state": game.ended ? "ended" : "live" });
    const title = element("h2");
    if (!liveId) title.append(element("a", { href: `/live/${id}/` }, `Game ${id}`));
    else title.textContent = `Game ${id}`;
    box.append(title);
    if (game.ended) {
      const over = element("p", { "data-testid": "game-over", class: "game-over" }, "Game over. ");
      if (game.matchId) {
        over.append(element("a", { href: `/api/matches/${game.matchId}/`, "data-testid": "result-link" },
          `Result of match ${game.matchId}`));
      } else over.append("Its result is stored once Steam publishes it.");
      box.append(over);
    } else box.append(element("span", { class: "live-badge" }, "Live"));
    const match = game.match;
    if (match) {
      const score = element("p", { class: "score", "data-testid": "score" });
      score.append(element("strong", {}, `Radiant ${show(match.radiant_score)} – ${show(match.dire_score)} Dire`));
      box.append(score);
      box.append(element("p", { class: "muted", "data-testid": "game-time" },
        `Game time ${clock(match.game_time)} · ${lead(match.radiant_lead)} · ${match.source === "league" ? "league lobby" : "top live game"}`));
      const teams = element("div", { class: "teams" });
      teams.append(teamTable(match, "radiant", "Radiant"), teamTable(match, "dire", "Dire"));
      box.append(teams);
    }
    return box;
  }

  function render() {
    const list = find("games");
    list.replaceChildren(...[...games.entries()].map(([id, game]) => renderGame(id, game)));
    find("no-games").hidden = games.size > 0;
    board.dataset.seq = String(seq);
  }

  function applySnapshot(matches) {
    const current = new Set();
    for (const match of matches) {
      current.add(match.live_id);
      games.set(match.live_id, { match, ended: false, matchId: match.match_id });
    }
    // Games the page showed as live that are gone from the snapshot ended while it was away.
    for (const [id, game] of games) if (!current.has(id)) game.ended = true;
  }

  function apply(message) {
    const data = message.data || {};
    if (message.type === "live.match" && data.live_id) {
      games.set(data.live_id, { match: data, ended: false, matchId: data.match_id });
    } else if (message.type === "live.ended" && data.live_id) {
      const game = games.get(data.live_id) || { match: null, matchId: null };
      games.set(data.live_id, { ...game, ended: true, matchId: data.match_id || game.matchId });
    }
  }

  const labels = { live: "Live", reconnecting: "Reconnecting…", gone: "This game is not tracked." };
  const stream = window.DTX.openStream(liveId ? `/ws/live/${liveId}/` : "/ws/live/", {
    onState(state) {
      board.dataset.connection = state;
      find("connection").textContent = labels[state] || state;
    },
    onMessage(message) {
      if (message.type === "live.snapshot") {
        applySnapshot((message.data && message.data.matches) || []);
        seq = message.seq;
      } else {
        if (typeof message.seq !== "number" || message.seq <= seq) return;
        if (message.seq !== seq + 1) {
          stream.sync();
          return;
        }
        apply(message);
        seq = message.seq;
      }
      render();
    },
  });

  render();
})();
