// A reminder's sign-in link continues by itself in a browser; a mail scanner that only
// fetches the page does not run this, so it cannot spend the single-use link.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("signin-link-form");
  if (form) form.requestSubmit();
});
