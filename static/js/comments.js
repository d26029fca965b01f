// Comment replies without leaving the page: "Reply to …" moves the comment form under that
// comment and sets its parent. Without JavaScript the link loads ?reply_to=N, which does the
// same on the server.
(function () {
  "use strict";
  var form = document.getElementById("comment-form");
  if (!form || !form.elements.parent) { return; }
  var home = document.createComment("comment form");
  form.parentNode.insertBefore(home, form);
  var heading = form.querySelector("h3");
  var original = heading.innerHTML;

  function cancel(event) {
    if (event) { event.preventDefault(); }
    form.elements.parent.value = "";
    heading.innerHTML = original;
    home.parentNode.insertBefore(form, home.nextSibling);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.reply-link") : null;
    if (!link) { return; }
    var item = link.closest("li.comment");
    var id = item && item.id.replace("comment-", "");
    if (!id) { return; }
    event.preventDefault();
    form.elements.parent.value = id;
    heading.textContent = link.textContent + " ";
    var undo = document.createElement("button");
    undo.type = "button";
    undo.className = "cancel-reply";
    undo.textContent = "Cancel reply";
    undo.addEventListener("click", cancel);
    heading.appendChild(undo);
    item.querySelector("article").after(form);
    var first = form.querySelector("textarea, input[type=text]");
    if (first) { first.focus(); }
  });
})();
