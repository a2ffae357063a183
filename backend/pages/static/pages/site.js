// Shown on every page: sign-out without leaving the page on a JSON answer. No inline scripts (the CSP forbids them).
"use strict";

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains("logout-form")) return;
  event.preventDefault();
  const token = form.querySelector("input[name=csrfmiddlewaretoken]");
  fetch(form.action, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": token ? token.value : csrfToken() },
  }).finally(() => window.location.assign("/"));
});
