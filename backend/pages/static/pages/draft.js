// The live draft board. Starts from the snapshot embedded in the page, then follows /ws/drafts/{id}/:
// events applied in seq order, a `sync` on any gap, a fresh snapshot after every reconnect (with backoff).
// The socket and its reconnects are pages/stream.js's. Writes (pick, undo) go through REST with the CSRF token.
// Every string is written with textContent.
"use strict";

(() => {
  const board = document.getElementById("draft-board");
  if (!board) return;

  const readJson = (id) => JSON.parse(document.getElementById(id).textContent);
  const find = (testid) => board.querySelector(`[data-testid="${testid}"]`);
  const draftId = Number(board.dataset.draftId);
  const viewer = readJson("draft-viewer");
  const people = new Map(readJson("draft-players").map((user) => [user.id, user]));
  let draft = readJson("draft-snapshot");
  let stream = null;
  let busy = false;

  const POSITIONS = 5;

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function displayName(user) {
    if (!user) return "Unknown player";
    return user.nickname || user.guild_nickname || user.discord_nickname || user.username;
  }

  function remember(users) {
    for (const user of users || []) people.set(user.id, user);
  }

  function teamById(id) {
    return draft.teams.find((team) => team.id === id) || null;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function myTurn() {
    const current = draft.current_round;
    return Boolean(draft.state === "active" && current && viewer.id !== null && current.captain === viewer.id);
  }

  function canPick() {
    return draft.state === "active" && Boolean(draft.current_round) && (myTurn() || viewer.can_manage);
  }

  // --- rendering -----------------------------------------------------------------------------------------------

  function renderTeams() {
    const list = find("teams");
    list.replaceChildren();
    for (const team of draft.teams) {
      const current = draft.current_round && draft.current_round.team === team.id;
      const box = element("li", { class: `card team${current ? " live-now" : ""}`, "data-team-id": team.id });
      box.append(element("h3", {}, team.name));
      const mmr = element("p", { class: "muted" }, "Total MMR ");
      mmr.append(element("strong", { "data-testid": "total-mmr" }, team.total_mmr));
      box.append(mmr);
      const members = element("ul");
      const ordered = [team.captain, ...team.members.filter((id) => id !== team.captain)];
      for (const id of ordered) {
        const user = people.get(id);
        const item = element("li", { "data-user-id": id }, displayName(user));
        if (user) item.append(" ", element("span", { class: "muted" }, `(${user.mmr})`));
        if (id === team.captain) item.append(" ", element("span", { class: "captain-mark" }, "captain"));
        members.append(item);
      }
      box.append(members);
      list.append(box);
    }
  }

  function renderRounds() {
    const list = find("rounds");
    list.replaceChildren();
    const currentId = draft.current_round ? draft.current_round.id : null;
    for (const round of draft.rounds) {
      const team = round.team === null ? null : teamById(round.team);
      const item = element("li", { "data-round-id": round.id, value: round.pick_number });
      let text = team ? team.name : "decided by MMR when it comes";
      if (round.choice !== null) text += ` – ${displayName(people.get(round.choice))}`;
      item.textContent = text;
      if (round.was_tie) item.append(" ", element("span", { class: "muted" }, "(roll-off)"));
      if (round.id === currentId) {
        item.setAttribute("aria-current", "step");
        item.append(" ", element("span", {}, "← picking now"));
      }
      list.append(item);
    }
    const current = list.querySelector('[aria-current="step"]');
    if (current && typeof current.scrollIntoView === "function") current.scrollIntoView({ block: "nearest" });
  }

  function renderRollOff() {
    const box = find("roll-off");
    const rolled = draft.rounds.filter((round) => round.was_tie && round.tie_roll_data);
    const last = rolled[rolled.length - 1];
    if (!last) {
      box.hidden = true;
      return;
    }
    const data = last.tie_roll_data;
    const names = new Map((data.tied_teams || []).map((team) => [team.id, team.name]));
    box.replaceChildren(element("strong", {}, `Roll-off for pick ${last.pick_number}: `));
    (data.roll_rounds || []).forEach((rolls, index) => {
      const line = rolls.map((roll) => `${names.get(roll.team_id) || "a team"} rolled ${roll.roll}`).join(", ");
      box.append(element("span", { class: "roll" }, `${index ? "; re-roll: " : ""}${line}`));
    });
    box.append(element("span", {}, ` → ${names.get(data.winner_id) || "a team"} picks.`));
    box.hidden = false;
  }

  function renderAvailable() {
    const body = find("available");
    const query = find("search").value.trim().toLowerCase();
    const sort = find("sort").value;
    let players = draft.available_players.slice();
    if (query) players = players.filter((user) => displayName(user).toLowerCase().includes(query) || user.username.toLowerCase().includes(query));
    players.sort(sort === "name"
      ? (a, b) => displayName(a).localeCompare(displayName(b))
      : (a, b) => b.mmr - a.mmr || a.id - b.id);
    const picking = canPick();
    body.replaceChildren();
    for (const user of players) {
      const row = element("tr", { "data-user-id": user.id });
      const name = element("td");
      if (user.avatar && /^https:\/\//.test(user.avatar)) {
        name.append(element("img", { class: "avatar", src: user.avatar, alt: "", width: 24, height: 24 }), " ");
      }
      name.append(displayName(user));
      const positions = Array.isArray(user.positions) ? user.positions.slice(0, POSITIONS).join(" · ") : "";
      row.append(name, element("td", {}, user.mmr), element("td", {}, positions));
      const action = element("td");
      if (picking) {
        const button = element("button", { type: "button", class: "pick-button", "data-action": "pick", "data-player-id": user.id }, "Pick");
        button.setAttribute("aria-label", `Pick ${displayName(user)}`);
        button.disabled = busy;
        action.append(button);
      }
      row.append(action);
      body.append(row);
    }
    find("available-count").textContent = String(draft.available_players.length);
  }

  function renderStatus() {
    const state = find("draft-state");
    if (draft.state === "completed") state.textContent = `Draft complete (${draft.style}).`;
    else if (draft.current_round) {
      const team = draft.current_round.team === null ? null : teamById(draft.current_round.team);
      state.textContent = `${draft.style} draft · pick ${draft.current_round.pick_number} of ${draft.rounds.length}` +
        (team ? ` · ${team.name} to pick` : "");
    } else state.textContent = `${draft.style} draft`;
    find("your-turn").hidden = !myTurn();
    find("staff-tools").hidden = !(viewer.can_manage && draft.rounds.some((round) => round.choice !== null));
    board.dataset.seq = String(draft.seq);
    board.dataset.state = draft.state;
  }

  function render() {
    renderStatus();
    renderTeams();
    renderRounds();
    renderRollOff();
    renderAvailable();
  }

  function setConnection(state, text) {
    board.dataset.connection = state;
    find("connection").textContent = text;
  }

  function showError(text) {
    const box = find("error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  // --- events ------------------------------------------------------------------------------------------------

  function replaceRound(round) {
    if (!round) return;
    const index = draft.rounds.findIndex((known) => known.id === round.id);
    if (index >= 0) draft.rounds[index] = round;
  }

  function replaceTeam(team) {
    if (!team) return;
    const index = draft.teams.findIndex((known) => known.id === team.id);
    if (index >= 0) draft.teams[index] = team;
  }

  // Returns false when the event cannot be applied to what the board holds (then a fresh snapshot is asked for).
  function apply(message) {
    const data = message.data || {};
    switch (message.type) {
      case "draft.started":
      case "draft.completed":
        if (!data.draft) return false;
        remember(data.draft.available_players);
        draft = { ...data.draft, seq: message.seq };
        return true;
      case "draft.pick":
        if (!data.round) return false;
        replaceRound(data.round);
        replaceTeam(data.team);
        draft.available_players = draft.available_players.filter((user) => user.id !== data.round.choice);
        break;
      case "draft.undo": {
        if (!data.round) return false;
        const undone = draft.rounds.find((round) => round.id === data.round.id);
        const player = undone && undone.choice !== null ? people.get(undone.choice) : null;
        if (undone && undone.choice !== null && !player) return false;
        replaceRound(data.round);
        replaceTeam(data.team);
        if (player && !draft.available_players.some((user) => user.id === player.id)) {
          draft.available_players = [...draft.available_players, player].sort((a, b) => a.id - b.id);
        }
        if (draft.state === "completed") draft.state = "active";
        break;
      }
      case "draft.style_changed":
        if (!Array.isArray(data.rounds)) return false;
        draft.rounds = data.rounds;
        if (data.style) draft.style = data.style;
        break;
      default:
        return true; // unknown to this page: nothing to show, but seq moves on
    }
    draft.current_round = data.current_round || null;
    replaceRound(draft.current_round);
    draft.seq = message.seq;
    return true;
  }

  function sync() {
    if (stream) stream.sync();
  }

  function onMessage(message) {
    if (message.type === "draft.snapshot") {
      remember(message.data.available_players);
      draft = message.data;
      render();
      return;
    }
    if (typeof message.seq !== "number" || message.seq <= draft.seq) return;
    if (message.seq !== draft.seq + 1 || !apply(message)) {
      sync();
      return;
    }
    render();
  }

  const labels = { live: "Live", reconnecting: "Reconnecting…", gone: "This draft no longer exists." };

  function connect() {
    stream = window.DTX.openStream(`/ws/drafts/${draftId}/`, {
      onState: (state) => setConnection(state, labels[state] || state),
      onMessage,
    });
  }

  // --- writes --------------------------------------------------------------------------------------------------

  async function post(path, body) {
    busy = true;
    renderAvailable();
    showError("");
    try {
      const response = await fetch(path, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(body || {}),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        showError(answer.detail || `The server answered ${response.status}.`);
        return;
      }
      // The answer is the draft after the write: show it now rather than wait for the broadcast.
      if (typeof answer.seq === "number" && answer.seq > draft.seq) {
        remember(answer.available_players);
        draft = answer;
      }
    } catch (error) {
      showError("The server could not be reached; try again.");
    } finally {
      busy = false;
      render();
    }
  }

  board.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target.closest("button[data-action]") : null;
    if (!target || busy) return;
    if (target.dataset.action === "pick" && draft.current_round) {
      post(`/api/drafts/${draftId}/pick/`, { player_id: Number(target.dataset.playerId), round: draft.current_round.id });
    } else if (target.dataset.action === "undo") {
      post(`/api/drafts/${draftId}/undo/`);
    }
  });
  find("search").addEventListener("input", renderAvailable);
  find("sort").addEventListener("change", renderAvailable);

  render();
  connect();
})();
