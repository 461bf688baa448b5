import { api, ApiError, credentials } from "./api.js";

export function renderSignIn(main, onSignedIn) {
  main.innerHTML = `
    <h1>Sign in</h1>
    <form id="sign-in" class="panel" novalidate>
      <label for="api-key">Merchant API key</label>
      <input id="api-key" name="key" type="password" autocomplete="current-password" required aria-describedby="sign-in-help sign-in-error" />
      <p id="sign-in-help" class="muted">The key <code>npm start</code> printed, or one from <code>API_KEYS</code>. It is kept for this tab only.</p>
      <p id="sign-in-error" class="error" role="alert"></p>
      <button type="submit">Sign in</button>
    </form>`;
  const form = main.querySelector("#sign-in");
  const input = form.querySelector("#api-key");
  const error = form.querySelector("#sign-in-error");
  input.focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      error.textContent = "Enter your API key.";
      return input.focus();
    }
    credentials.set(key);
    try {
      await api("/purchase-orders?limit=1");
      onSignedIn();
    } catch (failure) {
      credentials.clear();
      error.textContent =
        failure instanceof ApiError && failure.status === 401 ? "That key was not accepted. Check it and try again." : failure.message;
      input.focus();
    }
  });
}
