import { credentials } from "./api.js";
import { renderPurchaseOrderPage } from "./purchaseOrderPage.js";
import { renderPurchaseOrders } from "./purchaseOrders.js";
import { renderSettings } from "./settings.js";
import { renderSignIn } from "./signIn.js";

const main = document.getElementById("main");
const signOut = document.getElementById("sign-out");
const settingsLink = document.getElementById("settings-link");
const noticeArea = document.getElementById("notice");
let leavePage = () => {};

function notify(message, { error = false } = {}) {
  noticeArea.textContent = message;
  noticeArea.classList.toggle("error", error);
}

function route() {
  leavePage();
  leavePage = () => {};
  notify("");
  signOut.hidden = !credentials.get();
  settingsLink.hidden = !credentials.get();
  if (!credentials.get()) return renderSignIn(main, route);
  const po = /^#\/po\/([0-9a-f-]{36})$/.exec(location.hash);
  if (po) leavePage = renderPurchaseOrderPage(main, po[1], notify);
  else if (location.hash === "#/settings") renderSettings(main, notify).catch((error) => notify(error.message, { error: true }));
  else renderPurchaseOrders(main).catch((error) => notify(error.message, { error: true }));
  main.focus();
}

signOut.addEventListener("click", () => {
  credentials.clear();
  location.hash = "#/";
  route();
});
window.addEventListener("hashchange", route);
route();
