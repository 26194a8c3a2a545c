// Demo mode's sign-in page: choosing a demo account fills the form in with it.
document.addEventListener("DOMContentLoaded", () => {
  const list = document.querySelector(".demo-accounts");
  if (!list) return;
  list.addEventListener("click", (event) => {
    const chosen = event.target.closest("button[data-email]");
    if (!chosen) return;
    document.getElementById("id_login").value = chosen.dataset.email;
    document.getElementById("id_password").value = list.dataset.password;
    document.querySelector("main form button[type=submit]").focus();
  });
});
